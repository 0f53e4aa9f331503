"""The connection pool and the two ways the store uses it: reads, and writes in one transaction.

Connections are autocommit with dict rows and the session time zone UTC. A read runs on any pooled
connection; a write runs its function inside one transaction that, once begun, is shielded from
cancellation: it reaches COMMIT or ROLLBACK, never an unknown middle (as the SQLite writer's batch).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import psycopg
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from backflow.adapters.postgresql.sql import q
from backflow.ports.errors import StoreUnavailable

Connection = AsyncConnection[DictRow]
T = TypeVar("T")
Params = Mapping[str, Any]


class StoreUnavailableError(StoreUnavailable):
    """The server cannot be reached or refuses us (address, credentials, database name)."""


async def connect(dsn: str, *, connect_timeout: float) -> Connection:
    """One plain connection, failing at once with the server's own words (where a pool would retry
    in silence until its timeout): for migrating at start and for the copy command."""
    try:
        return await Connection.connect(
            dsn, autocommit=True, row_factory=dict_row, connect_timeout=_whole_seconds(connect_timeout)
        )
    except psycopg.OperationalError as exc:
        raise StoreUnavailableError(f"cannot open the PostgreSQL store: {_first_line(exc)}") from exc


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def make_pool(
    dsn: str,
    *,
    min_size: int,
    max_size: int,
    connect_timeout: float,
    pool_timeout: float,
    statement_timeout: float,
    lock_timeout: float,
) -> AsyncConnectionPool[Connection]:
    """Statements that hang (a lock never released, a server gone silent) end with an error after
    `statement_timeout` seconds; lock waits after `lock_timeout` (0: only the statement's)."""

    async def configure(conn: Connection) -> None:
        await conn.execute("SET TIME ZONE 'UTC'")
        await conn.execute(f"SET statement_timeout = {round(statement_timeout * 1000)}")
        await conn.execute(f"SET lock_timeout = {round(lock_timeout * 1000)}")

    return AsyncConnectionPool(
        dsn,
        connection_class=Connection,
        kwargs={
            "autocommit": True,
            "row_factory": dict_row,
            "connect_timeout": _whole_seconds(connect_timeout),
        },
        configure=configure,
        min_size=min_size,
        max_size=max_size,
        timeout=pool_timeout,
        open=False,
        name="backflow",
    )


def _whole_seconds(timeout: float) -> int:
    """libpq's connect_timeout is whole seconds, and it reads anything under 2 as 2."""
    return max(round(timeout), 2)


# While the server is known to be gone, callers wait this long for a connection, not the pool's
# full timeout: intake answers 503 at once and the sender retries, rather than hanging.
ACQUIRE_WHILE_DOWN_SECONDS = 1.0


class Database:
    def __init__(self, pool: AsyncConnectionPool[Connection]) -> None:
        self.pool = pool
        self.unreachable: str | None = None
        """Why the last attempt to use the server failed (None once one succeeds again)."""

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        """A pooled connection; a lost server (refused, broken, none free within the timeout) is the
        port's StoreUnavailable. psycopg_pool discards broken connections and reconnects by itself."""
        timeout = min(ACQUIRE_WHILE_DOWN_SECONDS, self.pool.timeout) if self.unreachable else None
        try:
            async with self.pool.connection(timeout=timeout) as conn:
                yield conn
        except (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable):
            raise  # a statement or lock timeout: the server is there, the statement was too slow
        except (psycopg.OperationalError, PoolTimeout) as exc:
            if isinstance(exc, psycopg.OperationalError) or self.unreachable is None:
                self.unreachable = _first_line(exc)  # a pool timeout keeps the server's own reason
            raise StoreUnavailableError(
                f"the PostgreSQL server cannot be reached: {self.unreachable}"
            ) from exc
        self.unreachable = None

    async def fetchall(self, sql: str, params: Params) -> list[DictRow]:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall()

    async def fetchone(self, sql: str, params: Params) -> DictRow | None:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchone()

    # A key lookup is one more pooled query here: nothing to gain by running it any other way.
    fetchall_keyed = fetchall
    fetchone_keyed = fetchone

    async def write(self, operation: Callable[[Connection], Awaitable[T]]) -> T:
        """Run `operation` in one transaction; its result once committed, its error once rolled back."""
        async with self._connection() as conn:
            with anyio.CancelScope(shield=True):
                async with conn.transaction():
                    result = await operation(conn)
        return result

    async def execute(self, sql: str, params: Params) -> int:
        """One statement in its own transaction; the number of rows it changed."""

        async def run(conn: Connection) -> int:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount

        return await self.write(run)


async def notify(conn: Connection, channel: str) -> None:
    """Wake listeners on `channel` when the current transaction commits."""
    await conn.execute(q("notify"), {"channel": channel})
