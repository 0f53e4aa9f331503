"""What the surge benchmark reads from the daemon's database, on either store: a SQLite file (read
only, beside the running daemon) or a `postgresql://` URL (psycopg's sync connection). SQLite keeps
times as epoch seconds, PostgreSQL as timestamptz: each query converts to seconds on its side, so
the callers get the same figures from both. Also the prefill of either (PostgreSQL: a SQLite prefill
copied over by the store's own copy, as `backflow store copy` does)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import psycopg

from backflow.adapters.postgresql.copy_sqlite import copy_sqlite
from backflow.devtools.stack.launcher import Stack
from bench import prefill

Database = Path | str
"""A SQLite file, or a `postgresql://` URL."""

_SYNC_LAGS = "SELECT lag_seconds FROM synced_orders WHERE order_number LIKE {p} AND lag_seconds IS NOT NULL"
_SYNCED = "SELECT count(*) FROM synced_orders WHERE order_number LIKE {p}"
_INBOX_LAGS_SQLITE = (
    "SELECT source, processed_at - received_at FROM inbox WHERE received_at >= ? AND processed_at IS NOT NULL"
)
_INBOX_LAGS_POSTGRESQL = (
    "SELECT source, extract(epoch FROM processed_at - received_at)::float8 FROM inbox"
    " WHERE received_at >= to_timestamp(%s) AND processed_at IS NOT NULL"
)


def of(stack: Stack) -> Database:
    """The stack's database: its PostgreSQL URL when it has one, else its SQLite file."""
    return stack.db_url or stack.db


def is_postgresql(db: Database) -> bool:
    return isinstance(db, str) and db.startswith("postgresql://")


def _rows(db: Database, sqlite_sql: str, postgresql_sql: str, params: tuple[Any, ...]) -> list[Any]:
    if is_postgresql(db):
        with psycopg.connect(str(db), connect_timeout=10, autocommit=True) as conn:
            return conn.execute(postgresql_sql, params).fetchall()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sqlite_sql, params).fetchall()


def sync_lags(db: Database, number_prefix: str) -> list[float]:
    """Backflow's own sync lag (seconds) of each synced order whose number starts with the prefix."""
    sqls = _SYNC_LAGS.format(p="?"), _SYNC_LAGS.format(p="%s")
    return [float(row[0]) for row in _rows(db, *sqls, (number_prefix + "%",))]


def synced_orders(db: Database, number_prefix: str) -> int:
    """Orders whose number starts with the prefix that order sync has put in ReBound."""
    sqls = _SYNCED.format(p="?"), _SYNCED.format(p="%s")
    return int(_rows(db, *sqls, (number_prefix + "%",))[0][0])


def inbox_lags(db: Database, since: float) -> list[tuple[str, float]]:
    """(source, seconds from arrival to processing) of the inbound events that arrived since `since`
    (epoch seconds) and are processed."""
    rows = _rows(db, _INBOX_LAGS_SQLITE, _INBOX_LAGS_POSTGRESQL, (since,))
    return [(str(source), max(float(lag), 0.0)) for source, lag in rows]


def fill(db: Database, workdir: Path, returns: int) -> float:
    """Seconds taken to store `returns` finished returns in an empty database before the daemon
    starts: raw sqlite3, then for PostgreSQL the store's copy of that file into it."""
    if not is_postgresql(db):
        return prefill.fill(Path(db), returns)
    started = time.perf_counter()
    staged = workdir / "prefill.sqlite3"
    prefill.fill(staged, returns)
    asyncio.run(copy_sqlite(staged, str(db)))
    staged.unlink()
    return time.perf_counter() - started
