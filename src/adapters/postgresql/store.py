"""PostgresStore: opens the pool (migrating the schema) and hands out the port objects.

async with PostgresStore.open(dsn, clock=SystemClock(), ids=Uuid7Generator()) as store:
    await store.inbox.store(event)
    async with store.unit_of_work() as uow:
        uow.returns.update(record)
        uow.outbox.add(message)
        await uow.commit()

The same public shape as SqliteStore, so the composition root can pick either.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio

from backflow.adapters.postgresql.admin_store import PostgresAdminStore
from backflow.adapters.postgresql.database import Database, StoreUnavailableError, connect, make_pool
from backflow.adapters.postgresql.figures import PostgresFigures
from backflow.adapters.postgresql.inbox import PostgresInbox
from backflow.adapters.postgresql.job_ticks import PostgresJobTicks
from backflow.adapters.postgresql.migrate import migrate
from backflow.adapters.postgresql.monitor import PostgresMonitor
from backflow.adapters.postgresql.notifications import INBOX_CHANNEL, OUTBOX_CHANNEL, listen
from backflow.adapters.postgresql.outbox import PostgresOutbox
from backflow.adapters.postgresql.report_source import PostgresReportSource
from backflow.adapters.postgresql.shadow_log import PostgresShadowLog
from backflow.adapters.postgresql.timeline import PostgresTimelineReader
from backflow.adapters.postgresql.uow import PostgresUnitOfWork
from backflow.adapters.postgresql.watermarks import PostgresWatermarks
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.outbox import RetryPolicy

__all__ = ["PostgresStore", "StoreUnavailableError"]


class PostgresStore:
    def __init__(
        self,
        db: Database,
        dsn: str,
        clock: Clock,
        ids: IdGenerator,
        *,
        policy: RetryPolicy,
        random01: Callable[[], float],
        connect_timeout: float = 30.0,
    ) -> None:
        self.db = db
        self._connect_timeout = connect_timeout
        self._dsn = dsn
        self._clock = clock
        self._ids = ids
        self.inbox = PostgresInbox(db, clock)
        self.outbox = PostgresOutbox(db, clock, ids, policy=policy, random01=random01)
        self.monitor = PostgresMonitor(db, clock)
        self.figures = PostgresFigures(db, clock)
        self.timeline = PostgresTimelineReader(db)
        self.watermarks = PostgresWatermarks(db, clock)
        self.admin = PostgresAdminStore(db, clock, ids)
        self.shadow_log = PostgresShadowLog(db)
        self.reports = PostgresReportSource(db)
        self.job_ticks = PostgresJobTicks(db, clock)

    def unit_of_work(self) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.db, self._clock, self._ids)

    def wakeups(
        self, channels: Sequence[str] = (INBOX_CHANNEL, OUTBOX_CHANNEL)
    ) -> AbstractAsyncContextManager[AsyncIterator[str]]:
        """Listen for committed work (any replica's); yields the channel of each notification."""
        return listen(self._dsn, channels, connect_timeout=self._connect_timeout)

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        dsn: str,
        *,
        clock: Clock,
        ids: IdGenerator,
        policy: RetryPolicy | None = None,
        random01: Callable[[], float] = random.random,
        min_connections: int = 1,
        max_connections: int = 10,
        connect_timeout: float = 30.0,
        pool_timeout: float = 30.0,
        statement_timeout: float = 30.0,
        lock_timeout: float = 0.0,
    ) -> AsyncIterator[PostgresStore]:
        """Migrate the schema, then open the pool; on exit, the pool closes (in-flight writes finish).
        Times in seconds (the BACKFLOW_PG_* settings; app.core.postgres_settings explains each)."""
        # One plain connection first: a wrong address, password or database name fails the start at
        # once, clearly (StoreUnavailableError), before a pool exists.
        async with await connect(dsn, connect_timeout=connect_timeout) as conn:
            await migrate(conn)
        pool = make_pool(
            dsn,
            min_size=min_connections,
            max_size=max_connections,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            statement_timeout=statement_timeout,
            lock_timeout=lock_timeout,
        )
        await pool.open(wait=True, timeout=connect_timeout)
        try:
            yield cls(
                Database(pool),
                dsn,
                clock,
                ids,
                policy=policy or RetryPolicy(),
                random01=random01,
                connect_timeout=connect_timeout,
            )
        finally:
            with anyio.CancelScope(shield=True):
                await pool.close()
