"""SqliteMonitor: the read-only views for the TUI and reports, on the reader pool only."""

from __future__ import annotations

from backflow.adapters.sqlite.codec import outbox_event, outbox_row
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.ports.clock import Clock
from backflow.ports.monitor import ExceptionCount, QueueDepth
from backflow.ports.outbox import OutboxEvent, OutboxRow, OutboxStatus


class SqliteMonitor:
    def __init__(self, readers: ReaderPool, clock: Clock) -> None:
        self._readers = readers
        self._clock = clock

    async def queue_depth(self) -> list[QueueDepth]:
        rows = await self._readers.fetchall(q("monitor_queue_depth"), {})
        return [QueueDepth(kind=r["kind"], status=OutboxStatus(r["status"]), count=r["count"]) for r in rows]

    async def oldest_due_age(self) -> float | None:
        now = self._clock.now().timestamp()
        row = await self._readers.fetchone(q("monitor_oldest_due"), {"now": now})
        return None if row is None or row["due"] is None else max(now - row["due"], 0.0)

    async def dead_rows(self, *, limit: int = 100, offset: int = 0) -> list[OutboxRow]:
        rows = await self._readers.fetchall(q("monitor_dead_rows"), {"limit": limit, "offset": offset})
        return [outbox_row(row) for row in rows]

    async def throughput(self, *, window_seconds: float) -> int:
        since = self._clock.now().timestamp() - window_seconds
        row = await self._readers.fetchone(q("monitor_throughput"), {"since": since})
        return 0 if row is None else int(row["count"])

    async def exceptions_by_owner(self) -> list[ExceptionCount]:
        rows = await self._readers.fetchall(q("monitor_exceptions_by_owner"), {})
        return [
            ExceptionCount(owner=r["owner"], type=r["type"], state=r["state"], count=r["count"]) for r in rows
        ]

    async def history(self, outbox_id: str) -> list[OutboxEvent]:
        rows = await self._readers.fetchall(q("outbox_history"), {"outbox_id": outbox_id})
        return [outbox_event(row) for row in rows]
