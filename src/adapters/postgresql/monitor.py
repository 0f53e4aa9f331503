"""PostgresMonitor: the read-only views for the TUI and reports."""

from __future__ import annotations

from datetime import timedelta

from backflow.adapters.postgresql.codec import dt, outbox_event, outbox_row
from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import q
from backflow.ports.clock import Clock
from backflow.ports.monitor import ExceptionCount, QueueDepth
from backflow.ports.outbox import OutboxEvent, OutboxRow, OutboxStatus


class PostgresMonitor:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def queue_depth(self) -> list[QueueDepth]:
        rows = await self._db.fetchall(q("monitor_queue_depth"), {})
        return [QueueDepth(kind=r["kind"], status=OutboxStatus(r["status"]), count=r["count"]) for r in rows]

    async def oldest_due_age(self) -> float | None:
        now = self._clock.now()
        row = await self._db.fetchone(q("monitor_oldest_due"), {"now": now})
        if row is None or row["due"] is None:
            return None
        return max((now - dt(row["due"])).total_seconds(), 0.0)

    async def dead_rows(self, *, limit: int = 100, offset: int = 0) -> list[OutboxRow]:
        rows = await self._db.fetchall(q("monitor_dead_rows"), {"limit": limit, "offset": offset})
        return [outbox_row(row) for row in rows]

    async def throughput(self, *, window_seconds: float) -> int:
        since = self._clock.now() - timedelta(seconds=window_seconds)
        row = await self._db.fetchone(q("monitor_throughput"), {"since": since})
        return 0 if row is None else int(row["count"])

    async def exceptions_by_owner(self) -> list[ExceptionCount]:
        rows = await self._db.fetchall(q("monitor_exceptions_by_owner"), {})
        return [
            ExceptionCount(owner=r["owner"], type=r["type"], state=r["state"], count=r["count"]) for r in rows
        ]

    async def history(self, outbox_id: str) -> list[OutboxEvent]:
        rows = await self._db.fetchall(q("outbox_history"), {"outbox_id": outbox_id})
        return [outbox_event(row) for row in rows]
