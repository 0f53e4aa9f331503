"""PostgresInbox: inbound events stored verbatim; `store` returns only after the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from backflow.adapters.postgresql.codec import encode_map, stored_inbound_event, ts
from backflow.adapters.postgresql.database import Connection, Database, notify
from backflow.adapters.postgresql.notifications import INBOX_CHANNEL
from backflow.adapters.postgresql.sql import q, replica_queries
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent, StoreOutcome


async def mark(conn: Connection, sql: str, params: dict[str, object]) -> bool:
    """The mark and the end of the event's claim in one transaction (a retry may go to anyone)."""
    cursor = await conn.execute(sql, params)
    await conn.execute(replica_queries()["inbox_claim_release"], params)
    return cursor.rowcount == 1


async def mark_processed(conn: Connection, seq: int, now: datetime) -> bool:
    return await mark(conn, q("inbox_mark_processed"), {"seq": seq, "now": now})


class PostgresInbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def store(self, event: InboundEvent) -> StoreOutcome:
        params = {
            "source": event.source,
            "source_id": event.source_id,
            "kind": event.kind,
            "received_at": ts(event.received_at),
            "body": event.body,
            "headers": encode_map(event.headers),
            "trace_ctx": encode_map(event.trace_ctx),
            "quarantine_reason": event.quarantine_reason,
        }

        async def insert(conn: Connection) -> StoreOutcome:
            # ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first to commit, then is
            # seen as a duplicate in the same statement, never as an error.
            cursor = await conn.execute(q("inbox_insert"), params)
            if await cursor.fetchone() is None:
                return StoreOutcome.DUPLICATE
            await notify(conn, INBOX_CHANNEL)
            return StoreOutcome.STORED

        return await self._db.write(insert)

    async def pending(self, *, limit: int, after_seq: int = 0) -> list[StoredInboundEvent]:
        rows = await self._db.fetchall(q("inbox_pending"), {"limit": limit, "after_seq": after_seq})
        return [stored_inbound_event(row) for row in rows]

    async def claim(self, seq: int, holder: str, seconds: float) -> bool:
        now = self._clock.now()
        params = {"seq": seq, "holder": holder, "now": now, "until": now + timedelta(seconds=seconds)}

        async def take(conn: Connection) -> bool:
            cursor = await conn.execute(replica_queries()["inbox_claim_lock"], params)
            if await cursor.fetchone() is None:
                return False
            cursor = await conn.execute(replica_queries()["inbox_claim"], params)
            return await cursor.fetchone() is not None

        return await self._db.write(take)

    async def claim_many(self, seqs: Sequence[int], holder: str, seconds: float) -> set[int]:
        if not seqs:
            return set()
        now = self._clock.now()
        params = {"seqs": list(seqs), "holder": holder, "now": now, "until": now + timedelta(seconds=seconds)}

        async def take(conn: Connection) -> set[int]:
            # The same two steps as `claim`, for the page: the pending rows locked (in seq order, so two
            # replicas locking overlapping pages never deadlock), then the claims on those alone.
            cursor = await conn.execute(replica_queries()["inbox_claim_lock_many"], params)
            pending = [int(row["seq"]) for row in await cursor.fetchall()]
            if not pending:
                return set()
            cursor = await conn.execute(replica_queries()["inbox_claim_many"], params | {"seqs": pending})
            return {int(row["seq"]) for row in await cursor.fetchall()}

        return await self._db.write(take)

    async def mark_processed(self, seq: int) -> bool:
        now = self._clock.now()
        return await self._db.write(lambda conn: mark_processed(conn, seq, now))

    async def mark_failed(self, seq: int, error: str, *, final: bool) -> bool:
        status = InboxStatus.FAILED if final else InboxStatus.PENDING
        params = {"seq": seq, "error": error, "status": status.value}
        return await self._db.write(lambda conn: mark(conn, q("inbox_mark_failed"), params))

    async def get(self, source: str, source_id: str) -> StoredInboundEvent | None:
        row = await self._db.fetchone(q("inbox_get"), {"source": source, "source_id": source_id})
        return None if row is None else stored_inbound_event(row)
