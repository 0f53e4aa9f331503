"""SqliteAdminStore: the admin API's searches, filters and counts, plus the readiness write probe."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite import outbox_ops
from backflow.adapters.sqlite.codec import dt_or_none, exception_record, outbox_row, stored_inbound_event
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.repositories import return_case
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.writer import DiskFullError, GroupCommitWriter
from backflow.ports.admin import ExceptionQuery, InboxCounts, QueueCounts, SyncLagStats
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.outbox import AppendResult, OutboxMessage, OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord


class SqliteAdminStore:
    def __init__(
        self, writer: GroupCommitWriter, readers: ReaderPool, clock: Clock, ids: IdGenerator
    ) -> None:
        self._writer = writer
        self._readers = readers
        self._clock = clock
        self._ids = ids

    def _now(self) -> float:
        return self._clock.now().timestamp()

    async def exceptions(self, query: ExceptionQuery) -> list[ExceptionRecord]:
        now = self._now()
        params = {
            "owner": query.owner,
            "type": query.type,
            "state": query.state,
            # An age of at least N seconds means first seen at or before now - N, and vice versa.
            "newest_first_seen": None if query.min_age_seconds is None else now - query.min_age_seconds,
            "oldest_first_seen": None if query.max_age_seconds is None else now - query.max_age_seconds,
            "newest_first": query.order == "newest",
            "limit": query.limit,
            "offset": query.offset,
        }
        return [exception_record(row) for row in await self._readers.fetchall(q("admin_exceptions"), params)]

    async def search_returns(self, text: str, *, limit: int, offset: int = 0) -> list[ReturnCaseRecord]:
        params = {"text": text, "limit": limit, "offset": offset}
        rows = await self._readers.fetchall(q("admin_search_returns"), params)
        return [return_case(row) for row in rows]

    async def queue_counts(self) -> list[QueueCounts]:
        rows = await self._readers.fetchall(q("admin_queue_counts"), {"now": self._now()})
        return [
            QueueCounts(
                kind=r["kind"],
                due=r["due"] or 0,
                scheduled=r["scheduled"] or 0,
                retrying=r["retrying"] or 0,
                leased=r["leased"] or 0,
                dead=r["dead"] or 0,
            )
            for r in rows
        ]

    async def quarantined_inbox(self, *, limit: int, after_seq: int = 0) -> list[StoredInboundEvent]:
        params = {"limit": limit, "after_seq": after_seq}
        return [
            stored_inbound_event(row)
            for row in await self._readers.fetchall(q("admin_inbox_quarantined"), params)
        ]

    async def inbox_counts(self) -> InboxCounts:
        row = await self._readers.fetchone(q("admin_inbox_counts"), {})
        assert row is not None  # an aggregate always yields one row
        oldest = row["oldest_pending"]
        return InboxCounts(
            pending=row["pending"] or 0,
            failed=row["failed"] or 0,
            quarantined=row["quarantined"] or 0,
            oldest_pending_age_seconds=None if oldest is None else max(self._now() - oldest, 0.0),
        )

    async def sync_lag(self) -> SyncLagStats:
        row = await self._readers.fetchone(q("admin_sync_counts"), {})
        assert row is not None
        count = row["lag_count"] or 0
        return SyncLagStats(
            synced=row["synced"] or 0,
            pending=row["pending"] or 0,
            failing=row["failing"] or 0,
            lag_avg_seconds=row["lag_avg"],
            lag_p50_seconds=await self._lag_at(count, 0.50),
            lag_p95_seconds=await self._lag_at(count, 0.95),
            lag_max_seconds=row["lag_max"],
            last_synced_at=dt_or_none(row["last_synced_at"]),
            resyncs_skipped=row["resyncs_skipped"] or 0,
        )

    async def _lag_at(self, count: int, quantile: float) -> float | None:
        if not count:
            return None
        offset = min(int(count * quantile), count - 1)
        at = await self._readers.fetchone(q("admin_sync_lag_at"), {"offset": offset})
        return None if at is None else float(at["lag_seconds"])

    async def outbox_row(self, outbox_id: str) -> OutboxRow | None:
        row = await self._readers.fetchone(q("outbox_get"), {"id": outbox_id})
        return None if row is None else outbox_row(row)

    async def retry_exception(
        self, exception_id: int, message: OutboxMessage, *, actor: str, note: str
    ) -> AppendResult:
        new_id, now = self._ids.new_id(), self._now()

        def retry(conn: sqlite3.Connection) -> tuple[str, bool]:
            event = {"id": exception_id, "now": now, "actor": actor, "note": note}
            if conn.execute(q("admin_exception_retried"), event).rowcount != 1:
                raise NotFoundError(f"exception {exception_id} does not exist")
            return outbox_ops.append(conn, new_id, message, now)

        row_id, duplicate = await self._writer.submit(retry)
        return AppendResult(id=row_id, duplicate=duplicate)

    async def probe_write(self) -> None:
        now = self._now()
        try:
            await self._writer.submit(
                lambda c: c.execute(q("runtime_probe_write"), {"now": now}), fenced=False
            )
        except Exception as exc:
            if self._writer.disk_full is not None:
                raise DiskFullError(self._writer.disk_full) from exc
            raise
        # A small probe can fit where a webhook does not: a full disk is reported until space is back.
        if self._writer.disk_full is not None:
            raise DiskFullError(self._writer.disk_full)
