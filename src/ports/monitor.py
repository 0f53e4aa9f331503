"""Read-only views of the store for the TUI and the reports."""

from __future__ import annotations

from typing import Protocol

import msgspec

from backflow.ports.outbox import OutboxEvent, OutboxRow, OutboxStatus


class QueueDepth(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    status: OutboxStatus
    count: int


class ExceptionCount(msgspec.Struct, frozen=True, kw_only=True):
    owner: str
    type: str
    state: str
    count: int


class StoreMonitor(Protocol):
    async def queue_depth(self) -> list[QueueDepth]: ...

    async def oldest_due_age(self) -> float | None:
        """Seconds the oldest claimable row has been waiting past its available-at; None if none is due."""
        ...

    async def dead_rows(self, *, limit: int = 100, offset: int = 0) -> list[OutboxRow]: ...

    async def throughput(self, *, window_seconds: float) -> int:
        """Rows completed in the last `window_seconds`."""
        ...

    async def exceptions_by_owner(self) -> list[ExceptionCount]:
        """Unresolved exceptions counted by owner, type and state."""
        ...

    async def history(self, outbox_id: str) -> list[OutboxEvent]: ...
