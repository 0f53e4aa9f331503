"""SqliteInbox: inbound events stored verbatim; `store` returns only after the commit is durable."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from backflow.adapters.sqlite.codec import encode_map, stored_inbound_event, ts
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.writer import GroupCommitWriter
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent, StoreOutcome


def mark_processed(conn: sqlite3.Connection, seq: int, now: float) -> bool:
    return conn.execute(q("inbox_mark_processed"), {"seq": seq, "now": now}).rowcount == 1


class SqliteInbox:
    def __init__(self, writer: GroupCommitWriter, readers: ReaderPool, clock: Clock) -> None:
        self._writer = writer
        self._readers = readers
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

        def insert(conn: sqlite3.Connection) -> StoreOutcome:
            # ON CONFLICT DO NOTHING: the duplicate is seen in the same statement, never as an error.
            inserted = conn.execute(q("inbox_insert"), params).fetchone()
            return StoreOutcome.DUPLICATE if inserted is None else StoreOutcome.STORED

        # Not fenced: storing a webhook is safe from a standby (the inbox is this database).
        return await self._writer.submit(insert, fenced=False)

    async def pending(self, *, limit: int, after_seq: int = 0) -> list[StoredInboundEvent]:
        rows = await self._readers.fetchall(q("inbox_pending"), {"limit": limit, "after_seq": after_seq})
        return [stored_inbound_event(row) for row in rows]

    async def claim(self, seq: int, holder: str, seconds: float) -> bool:
        # One active daemon per database (the instance lease), which reads its events one at a time.
        return True

    async def claim_many(self, seqs: Sequence[int], holder: str, seconds: float) -> set[int]:
        return set(seqs)  # as `claim`: the instance lease makes this daemon the only one

    async def mark_processed(self, seq: int) -> bool:
        now = self._clock.now().timestamp()
        return await self._writer.submit(lambda c: mark_processed(c, seq, now))

    async def mark_failed(self, seq: int, error: str, *, final: bool) -> bool:
        status = InboxStatus.FAILED if final else InboxStatus.PENDING
        params = {"seq": seq, "error": error, "status": status}
        return await self._writer.submit(lambda c: c.execute(q("inbox_mark_failed"), params).rowcount == 1)

    async def get(self, source: str, source_id: str) -> StoredInboundEvent | None:
        row = await self._readers.fetchone(q("inbox_get"), {"source": source, "source_id": source_id})
        return None if row is None else stored_inbound_event(row)
