"""SqliteStore: opens the database, runs the group-commit writer, and hands out the port objects.

async with SqliteStore.open(path, clock=SystemClock(), ids=Uuid7Generator()) as store:
    await store.inbox.store(event)
    async with store.unit_of_work() as uow:
        uow.returns.update(record)
        uow.outbox.add(message)
        await uow.commit()
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from backflow.adapters.sqlite.admin_store import SqliteAdminStore
from backflow.adapters.sqlite.connections import open_writer
from backflow.adapters.sqlite.figures import SqliteFigures
from backflow.adapters.sqlite.inbox import SqliteInbox
from backflow.adapters.sqlite.instance_lease import SqliteInstanceLease
from backflow.adapters.sqlite.monitor import SqliteMonitor
from backflow.adapters.sqlite.outbox import SqliteOutbox
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.report_source import SqliteReportSource
from backflow.adapters.sqlite.shadow_log import SqliteShadowLog
from backflow.adapters.sqlite.timeline import SqliteTimelineReader
from backflow.adapters.sqlite.uow import SqliteUnitOfWork
from backflow.adapters.sqlite.watermarks import SqliteWatermarks
from backflow.adapters.sqlite.writer import GroupCommitWriter
from backflow.adapters.system_clock import SystemClock
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.outbox import RetryPolicy


class SqliteStore:
    def __init__(
        self,
        writer: GroupCommitWriter,
        readers: ReaderPool,
        clock: Clock,
        ids: IdGenerator,
        *,
        policy: RetryPolicy,
        random01: Callable[[], float],
    ) -> None:
        self.writer = writer
        self._readers = readers
        self._clock = clock
        self._ids = ids
        self.inbox = SqliteInbox(writer, readers, clock)
        self.outbox = SqliteOutbox(writer, readers, clock, ids, policy=policy, random01=random01)
        self.monitor = SqliteMonitor(readers, clock)
        self.figures = SqliteFigures(readers, clock)
        self.timeline = SqliteTimelineReader(readers)
        self.watermarks = SqliteWatermarks(writer, readers, clock)
        self.admin = SqliteAdminStore(writer, readers, clock, ids)
        self.shadow_log = SqliteShadowLog(writer, readers)
        self.reports = SqliteReportSource(readers)
        # Wall-clock, whatever clock the flows run on: two processes compare these times.
        self.instance_lease = SqliteInstanceLease(writer, SystemClock())

    def unit_of_work(self) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self.writer, self._readers, self._clock, self._ids)

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        path: Path,
        *,
        clock: Clock,
        ids: IdGenerator,
        policy: RetryPolicy | None = None,
        random01: Callable[[], float] = random.random,
        readers: int = 2,
        max_batch: int = 1024,
    ) -> AsyncIterator[SqliteStore]:
        """Open (creating or migrating) the database; on exit, queued writes are applied, then all closes."""
        conn = await anyio.to_thread.run_sync(open_writer, path)
        writer = GroupCommitWriter(conn, max_batch=max_batch)
        pool = await ReaderPool.open(path, readers)
        body_error: BaseException | None = None
        try:
            async with anyio.create_task_group() as tg:
                await tg.start(writer.run)
                try:
                    yield cls(writer, pool, clock, ids, policy=policy or RetryPolicy(), random01=random01)
                except BaseException as exc:
                    # Re-raised below, outside the task group, so callers see their own exception and
                    # not an ExceptionGroup; the writer still drains what was queued first.
                    body_error = exc
                finally:
                    writer.close()
        finally:
            await pool.close()
            conn.close()
        if body_error is not None:
            raise body_error
