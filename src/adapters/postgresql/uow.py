"""PostgresUnitOfWork: the staged writes of one unit applied in ONE transaction at commit.

Reads see committed data (as with SQLite); the versions they carry are checked by the writes. What
SQLite's single writer rules out can happen here between concurrent transactions (a deadlock, or a
unique key taken by a unit that committed first): it surfaces as ConflictError, so callers re-read
and retry exactly as after a stale version, and nothing of the unit is applied.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Self

import psycopg.errors

from backflow.adapters.postgresql import outbox_ops
from backflow.adapters.postgresql.database import Connection, Database
from backflow.adapters.postgresql.decisions import PostgresRefundDecisions
from backflow.adapters.postgresql.exception_log import PostgresExceptions
from backflow.adapters.postgresql.inbox import mark_processed
from backflow.adapters.postgresql.ledgers import (
    PostgresCreditLedger,
    PostgresRefundLedger,
    PostgresStockLedger,
)
from backflow.adapters.postgresql.repositories import PostgresReturnCases, PostgresSyncedOrders
from backflow.adapters.postgresql.staging import Staging
from backflow.adapters.postgresql.timeline import PostgresTimelineWriter
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.errors import ConflictError
from backflow.ports.outbox import OutboxMessage

_CONCURRENT = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
)


class PostgresOutboxStaging:
    def __init__(self, staging: Staging, ids: IdGenerator) -> None:
        self._staging = staging
        self._ids = ids

    def add(self, message: OutboxMessage) -> str:
        new_id = self._ids.new_id()

        async def append(conn: Connection, now: datetime) -> None:
            await outbox_ops.append(conn, new_id, message, now)

        self._staging.add(append)
        return new_id

    def complete(self, outbox_id: str, owner: str) -> None:
        async def complete(conn: Connection, now: datetime) -> None:
            await outbox_ops.complete(conn, outbox_id, owner, now)

        self._staging.add(complete)


class PostgresInboxStaging:
    def __init__(self, staging: Staging) -> None:
        self._staging = staging

    def processed(self, seq: int) -> None:
        async def processed(conn: Connection, now: datetime) -> None:
            await mark_processed(conn, seq, now)

        self._staging.add(processed)


class PostgresUnitOfWork:
    def __init__(self, db: Database, clock: Clock, ids: IdGenerator) -> None:
        self._db = db
        self._clock = clock
        self._staging = staging = Staging()
        self.returns = PostgresReturnCases(db, staging)
        self.orders = PostgresSyncedOrders(db, staging)
        self.exceptions = PostgresExceptions(db, staging)
        self.stock = PostgresStockLedger(db, staging)
        self.refunds = PostgresRefundLedger(db, staging)
        self.credits = PostgresCreditLedger(db, staging)
        self.decisions = PostgresRefundDecisions(db, staging)
        self.outbox = PostgresOutboxStaging(staging, ids)
        self.inbox = PostgresInboxStaging(staging)
        self.timeline = PostgresTimelineWriter(staging)

    async def commit(self) -> None:
        writes = self._staging.take()
        if not writes:
            return
        now = self._clock.now()

        async def apply(conn: Connection) -> None:
            for write in writes:
                await write(conn, now)

        try:
            await self._db.write(apply)
        except _CONCURRENT as exc:
            raise ConflictError(f"a concurrent unit of work got there first: {exc}") from exc

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Whatever was staged and not committed is discarded: rollback by default.
        self._staging.take()
