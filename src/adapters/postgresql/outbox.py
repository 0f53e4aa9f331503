"""PostgresOutbox: the Outbox port, each call one transaction on the pool."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from backflow.adapters.postgresql import outbox_ops
from backflow.adapters.postgresql.codec import outbox_event
from backflow.adapters.postgresql.database import Connection, Database
from backflow.adapters.postgresql.sql import q
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.outbox import (
    AppendResult,
    ClaimRequest,
    OutboxEvent,
    OutboxMessage,
    OutboxRow,
    OutboxStatus,
    RetryPolicy,
)


class PostgresOutbox:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        ids: IdGenerator,
        *,
        policy: RetryPolicy,
        random01: Callable[[], float] = random.random,
    ) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._random01 = random01

    def _now(self) -> datetime:
        return self._clock.now()

    async def append(self, message: OutboxMessage) -> AppendResult:
        new_id, now = self._ids.new_id(), self._now()
        row_id, duplicate = await self._db.write(lambda c: outbox_ops.append(c, new_id, message, now))
        return AppendResult(id=row_id, duplicate=duplicate)

    async def claim(
        self, owner: str, *, limit: int, lease_seconds: float, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        now = self._now()
        return await self._db.write(
            lambda c: outbox_ops.claim(
                c, owner, now=now, lease_seconds=lease_seconds, limit=limit, kinds=kinds
            )
        )

    async def claim_batch(
        self, requests: Sequence[ClaimRequest], *, lease_seconds: float
    ) -> list[list[OutboxRow]]:
        now = self._now()

        async def claim_each(conn: Connection) -> list[list[OutboxRow]]:
            return [
                await outbox_ops.claim(
                    conn, r.owner, now=now, lease_seconds=lease_seconds, limit=r.limit, kinds=r.kinds
                )
                for r in requests
            ]

        return await self._db.write(claim_each)

    async def renew(self, outbox_id: str, owner: str, lease_seconds: float) -> bool:
        lease_until = self._now() + timedelta(seconds=lease_seconds)
        return await self._db.write(lambda c: outbox_ops.renew(c, outbox_id, owner, lease_until))

    async def complete(self, outbox_id: str, owner: str) -> bool:
        now = self._now()
        return await self._db.write(lambda c: outbox_ops.complete(c, outbox_id, owner, now))

    async def fail(self, outbox_id: str, owner: str, error: str) -> OutboxStatus | None:
        now, policy, random01 = self._now(), self._policy, self._random01
        return await self._db.write(
            lambda c: outbox_ops.fail(
                c, outbox_id, owner, error=error, now=now, policy=policy, random01=random01
            )
        )

    async def requeue(self, outbox_id: str, actor: str) -> bool:
        now = self._now()
        return await self._db.write(lambda c: outbox_ops.requeue(c, outbox_id, actor, now))

    async def resolve(self, outbox_id: str, actor: str, note: str) -> bool:
        now = self._now()
        return await self._db.write(lambda c: outbox_ops.resolve(c, outbox_id, actor, note, now))

    async def history(self, outbox_id: str) -> list[OutboxEvent]:
        rows = await self._db.fetchall(q("outbox_history"), {"outbox_id": outbox_id})
        return [outbox_event(row) for row in rows]
