"""PostgresAdminStore: the admin API's searches, filters and counts, plus the readiness write probe."""

from __future__ import annotations

from datetime import datetime, timedelta

from backflow.adapters.postgresql import outbox_ops
from backflow.adapters.postgresql.codec import (
    dt,
    dt_or_none,
    exception_record,
    outbox_row,
    stored_inbound_event,
)
from backflow.adapters.postgresql.database import Connection, Database
from backflow.adapters.postgresql.repositories import return_case
from backflow.adapters.postgresql.sql import q
from backflow.ports.admin import ExceptionQuery, InboxCounts, QueueCounts, SyncLagStats
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.outbox import AppendResult, OutboxMessage, OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord


class PostgresAdminStore:
    def __init__(self, db: Database, clock: Clock, ids: IdGenerator) -> None:
        self._db = db
        self._clock = clock
        self._ids = ids

    def _now(self) -> datetime:
        return self._clock.now()

    def _age(self, since: datetime | None) -> float | None:
        return None if since is None else max((self._now() - dt(since)).total_seconds(), 0.0)

    async def exceptions(self, query: ExceptionQuery) -> list[ExceptionRecord]:
        now = self._now()
        params = {
            "owner": query.owner,
            "type": query.type,
            "state": query.state,
            # An age of at least N seconds means first seen at or before now - N, and vice versa.
            "newest_first_seen": None
            if query.min_age_seconds is None
            else now - timedelta(seconds=query.min_age_seconds),
            "oldest_first_seen": None
            if query.max_age_seconds is None
            else now - timedelta(seconds=query.max_age_seconds),
            "newest_first": query.order == "newest",
            "limit": query.limit,
            "offset": query.offset,
        }
        return [exception_record(row) for row in await self._db.fetchall(q("admin_exceptions"), params)]

    async def search_returns(self, text: str, *, limit: int, offset: int = 0) -> list[ReturnCaseRecord]:
        params = {"text": text, "limit": limit, "offset": offset}
        rows = await self._db.fetchall(q("admin_search_returns"), params)
        return [return_case(row) for row in rows]

    async def queue_counts(self) -> list[QueueCounts]:
        rows = await self._db.fetchall(q("admin_queue_counts"), {"now": self._now()})
        return [
            QueueCounts(
                kind=r["kind"],
                due=r["due"],
                scheduled=r["scheduled"],
                retrying=r["retrying"],
                leased=r["leased"],
                dead=r["dead"],
            )
            for r in rows
        ]

    async def quarantined_inbox(self, *, limit: int, after_seq: int = 0) -> list[StoredInboundEvent]:
        params = {"limit": limit, "after_seq": after_seq}
        return [
            stored_inbound_event(row) for row in await self._db.fetchall(q("admin_inbox_quarantined"), params)
        ]

    async def inbox_counts(self) -> InboxCounts:
        row = await self._db.fetchone(q("admin_inbox_counts"), {})
        assert row is not None  # an aggregate always yields one row
        return InboxCounts(
            pending=row["pending"],
            failed=row["failed"],
            quarantined=row["quarantined"],
            oldest_pending_age_seconds=self._age(row["oldest_pending"]),
        )

    async def sync_lag(self) -> SyncLagStats:
        row = await self._db.fetchone(q("admin_sync_counts"), {})
        assert row is not None
        count = row["lag_count"]
        return SyncLagStats(
            synced=row["synced"],
            pending=row["pending"],
            failing=row["failing"],
            lag_avg_seconds=row["lag_avg"],
            lag_p50_seconds=await self._lag_at(count, 0.50),
            lag_p95_seconds=await self._lag_at(count, 0.95),
            lag_max_seconds=row["lag_max"],
            last_synced_at=dt_or_none(row["last_synced_at"]),
            resyncs_skipped=row["resyncs_skipped"],
        )

    async def _lag_at(self, count: int, quantile: float) -> float | None:
        # The same pick as the SQLite store (not percentile_disc), so both report the same figure.
        if not count:
            return None
        offset = min(int(count * quantile), count - 1)
        at = await self._db.fetchone(q("admin_sync_lag_at"), {"offset": offset})
        return None if at is None else float(at["lag_seconds"])

    async def outbox_row(self, outbox_id: str) -> OutboxRow | None:
        row = await self._db.fetchone(q("outbox_get"), {"id": outbox_id})
        return None if row is None else outbox_row(row)

    async def retry_exception(
        self, exception_id: int, message: OutboxMessage, *, actor: str, note: str
    ) -> AppendResult:
        new_id, now = self._ids.new_id(), self._now()

        async def retry(conn: Connection) -> tuple[str, bool]:
            event = {"id": exception_id, "now": now, "actor": actor, "note": note}
            if (await conn.execute(q("admin_exception_retried"), event)).rowcount != 1:
                raise NotFoundError(f"exception {exception_id} does not exist")
            return await outbox_ops.append(conn, new_id, message, now)

        row_id, duplicate = await self._db.write(retry)
        return AppendResult(id=row_id, duplicate=duplicate)

    async def probe_write(self) -> None:
        await self._db.execute(q("runtime_probe_write"), {"now": self._now()})
