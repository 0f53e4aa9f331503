"""SqliteUnitOfWork: the staged writes of one unit go to the writer as ONE operation (one savepoint)."""

from __future__ import annotations

import sqlite3
from types import TracebackType
from typing import Self

from backflow.adapters.sqlite import outbox_ops
from backflow.adapters.sqlite.decisions import SqliteRefundDecisions
from backflow.adapters.sqlite.exception_log import SqliteExceptions
from backflow.adapters.sqlite.inbox import mark_processed
from backflow.adapters.sqlite.ledgers import SqliteCreditLedger, SqliteRefundLedger, SqliteStockLedger
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.repositories import SqliteReturnCases, SqliteSyncedOrders
from backflow.adapters.sqlite.staging import Staging
from backflow.adapters.sqlite.timeline import SqliteTimelineWriter
from backflow.adapters.sqlite.writer import GroupCommitWriter
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.outbox import OutboxMessage


class SqliteOutboxStaging:
    def __init__(self, staging: Staging, ids: IdGenerator) -> None:
        self._staging = staging
        self._ids = ids

    def add(self, message: OutboxMessage) -> str:
        new_id = self._ids.new_id()

        def append(conn: sqlite3.Connection, now: float) -> None:
            outbox_ops.append(conn, new_id, message, now)

        self._staging.add(append)
        return new_id

    def complete(self, outbox_id: str, owner: str) -> None:
        def complete(conn: sqlite3.Connection, now: float) -> None:
            outbox_ops.complete(conn, outbox_id, owner, now)

        self._staging.add(complete)


class SqliteInboxStaging:
    def __init__(self, staging: Staging) -> None:
        self._staging = staging

    def processed(self, seq: int) -> None:
        def processed(conn: sqlite3.Connection, now: float) -> None:
            mark_processed(conn, seq, now)

        self._staging.add(processed)


class SqliteUnitOfWork:
    def __init__(
        self, writer: GroupCommitWriter, readers: ReaderPool, clock: Clock, ids: IdGenerator
    ) -> None:
        self._writer = writer
        self._clock = clock
        self._staging = staging = Staging()
        self.returns = SqliteReturnCases(readers, staging)
        self.orders = SqliteSyncedOrders(readers, staging)
        self.exceptions = SqliteExceptions(readers, staging)
        self.stock = SqliteStockLedger(readers, staging)
        self.refunds = SqliteRefundLedger(readers, staging)
        self.credits = SqliteCreditLedger(readers, staging)
        self.decisions = SqliteRefundDecisions(readers, staging)
        self.outbox = SqliteOutboxStaging(staging, ids)
        self.inbox = SqliteInboxStaging(staging)
        self.timeline = SqliteTimelineWriter(staging)

    async def commit(self) -> None:
        writes = self._staging.take()
        if not writes:
            return
        now = self._clock.now().timestamp()

        def apply(conn: sqlite3.Connection) -> None:
            for write in writes:
                write(conn, now)

        await self._writer.submit(apply)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Whatever was staged and not committed is discarded: rollback by default.
        self._staging.take()
