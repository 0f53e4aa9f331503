"""Which store BACKFLOW_DB names: a SQLite file (a plain path) or a PostgreSQL server (a URL).

Both stores have the same public shape and implement the same ports; the rest of the composition
root takes whichever this module opens.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import anyio

from backflow.adapters.sqlite import backup as sqlite_backup
from backflow.adapters.sqlite.preflight import check_database
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.core.settings import ConfigError, Settings, parse_database
from backflow.app.runtime.supervisor import ActorFn
from backflow.app.runtime.wakeup import Nudge
from backflow.app.runtime.work_notices import listen_for_work
from backflow.ports.admin import AdminStore
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.instance_lease import InstanceLease
from backflow.ports.job_ticks import JobTicks
from backflow.ports.outbox import RetryPolicy
from backflow.ports.reports import ReportSource

if TYPE_CHECKING:
    from backflow.adapters.postgresql.store import PostgresStore

Store: TypeAlias = "SqliteStore | PostgresStore"
"""The PostgreSQL driver is imported only when BACKFLOW_DB names a server (it costs ~0.3 s at start)."""


def open_store(
    settings: Settings, *, clock: Clock, ids: IdGenerator, policy: RetryPolicy | None = None
) -> AbstractAsyncContextManager[Store]:
    if settings.db_url is not None:
        from backflow.adapters.postgresql.store import PostgresStore

        return PostgresStore.open(
            settings.db_url, clock=clock, ids=ids, policy=policy, **pool_options(settings)
        )
    settings.db_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore.open(settings.db_path, clock=clock, ids=ids, policy=policy)


def pool_options(settings: Settings, *, most: int | None = None) -> dict[str, Any]:
    """PostgresStore.open's pool and timeouts from BACKFLOW_PG_*; `most` caps the pool of a one-off
    command (a report needs a connection or two, not a replica's pool)."""
    pg = settings.postgres
    max_size = pg.pool_max if most is None else min(pg.pool_max, most)
    return {
        "min_connections": min(pg.pool_min, max_size),
        "max_connections": max_size,
        "connect_timeout": pg.connect_timeout_seconds,
        "pool_timeout": pg.pool_timeout_seconds,
        "statement_timeout": pg.statement_timeout_seconds,
        "lock_timeout": pg.lock_timeout_seconds,
    }


def instance_lease(store: Store) -> InstanceLease | None:
    """SQLite: one daemon works on a database file at a time. PostgreSQL: none, explicitly; replicas
    share the work there (claims on the rows, keyed serialisation in the store)."""
    return store.instance_lease if isinstance(store, SqliteStore) else None


def job_ticks(store: Store) -> JobTicks | None:
    """PostgreSQL: replicas claim each job's tick in the database. SQLite: None, every tick is the
    one active daemon's (the scheduler's default)."""
    return None if isinstance(store, SqliteStore) else store.job_ticks


def work_listeners(store: Store, *, inbox: Nudge, relay: Nudge) -> tuple[tuple[str, ActorFn], ...]:
    """PostgreSQL: a listener that wakes this replica for work any replica committed (NOTIFY).
    SQLite: none, the one active daemon's own writes nudge its loops directly."""
    if isinstance(store, SqliteStore):
        return ()
    from backflow.adapters.postgresql.notifications import INBOX_CHANNEL, OUTBOX_CHANNEL

    nudges = {INBOX_CHANNEL: inbox, OUTBOX_CHANNEL: relay}
    return (("work-listener", listen_for_work(lambda: store.wakeups(tuple(nudges)), nudges)),)


@asynccontextmanager
async def _open_existing_store(settings: Settings) -> AsyncIterator[Store]:
    """An existing store for a one-off command (a small pool, one reader): never creates a database."""
    clock, ids = SystemClock(), Uuid7Generator()
    if settings.db_url is not None:
        from backflow.adapters.postgresql.store import PostgresStore

        async with PostgresStore.open(
            settings.db_url, clock=clock, ids=ids, **pool_options(settings, most=2)
        ) as pg:
            yield pg
        return
    if not await anyio.Path(settings.db_path).exists():
        raise ConfigError(f"no Backflow database at {settings.db_path} (BACKFLOW_DB)")
    found = check_database(settings.db_path)
    if not found.ok:
        raise ConfigError(f"BACKFLOW_DB: {found.message}")
    async with SqliteStore.open(settings.db_path, clock=clock, ids=ids, readers=1) as sqlite:
        yield sqlite


@asynccontextmanager
async def open_report_source(settings: Settings) -> AsyncIterator[ReportSource]:
    """The ledgers read-only, for `backflow report`: no commercetools or ReBound needed."""
    async with _open_existing_store(settings) as store:
        yield store.reports


@asynccontextmanager
async def open_admin_store(settings: Settings) -> AsyncIterator[AdminStore]:
    """The admin reads over an existing store, for `backflow inbox export`: no API needed."""
    async with _open_existing_store(settings) as store:
        yield store.admin


async def copy_sqlite_store(source: Path, target: str) -> dict[str, int]:
    """`backflow store copy`: a stopped SQLite store into an empty PostgreSQL database (rows per table)."""
    if parse_database(target)[1] is None:
        raise ConfigError(f"the target must be a postgresql:// URL, not {target!r}")
    from backflow.adapters.postgresql.copy_sqlite import copy_sqlite

    return await copy_sqlite(source, target)


def backup_database(settings: Settings, target: Path, *, force: bool) -> int:
    """`backflow backup`: an online copy of the SQLite database (pages copied); a refusal is one line."""
    _sqlite_only(settings, "backup")
    try:
        return sqlite_backup.backup(settings.db_path, target, force=force)
    except (sqlite_backup.BackupError, OSError, sqlite3.Error) as exc:
        raise ConfigError(str(exc)) from exc


def restore_database(settings: Settings, source: Path) -> int:
    """`backflow restore`: a checked backup in place of the database, never under a running daemon."""
    _sqlite_only(settings, "restore")
    try:
        return sqlite_backup.restore(source, settings.db_path)
    except (sqlite_backup.BackupError, OSError, sqlite3.Error) as exc:
        raise ConfigError(str(exc)) from exc


def _sqlite_only(settings: Settings, what: str) -> None:
    if settings.db_url is not None:
        raise ConfigError(
            f"BACKFLOW_DB is a PostgreSQL server: {what} it with the server's own tools "
            "(pg_dump, or its point-in-time recovery)"
        )
