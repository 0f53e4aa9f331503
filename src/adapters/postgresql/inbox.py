"""PostgresInbox: inbound events stored verbatim; `store` returns only after the commit."""

from __future__ import annotations

from backflow.adapters.postgresql.codec import encode_map, stored_inbound_event, ts
from backflow.adapters.postgresql.database import Connection, Database, notify
from backflow.adapters.postgresql.notifications import INBOX_CHANNEL
from backflow.adapters.postgresql.sql import q
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent, StoreOutcome


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

    async def mark_processed(self, seq: int) -> bool:
        params = {"seq": seq, "now": self._clock.now()}
        return await self._db.execute(q("inbox_mark_processed"), params) == 1

    async def mark_failed(self, seq: int, error: str, *, final: bool) -> bool:
        status = InboxStatus.FAILED if final else InboxStatus.PENDING
        params = {"seq": seq, "error": error, "status": status.value}
        return await self._db.execute(q("inbox_mark_failed"), params) == 1

    async def get(self, source: str, source_id: str) -> StoredInboundEvent | None:
        row = await self._db.fetchone(q("inbox_get"), {"source": source, "source_id": source_id})
        return None if row is None else stored_inbound_event(row)
