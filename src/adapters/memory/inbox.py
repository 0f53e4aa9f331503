"""An inbox kept in a dict: deduplicates by (source, source_id) exactly as the durable one does."""

from __future__ import annotations

import anyio

from backflow.ports.inbox import InboundEvent, StoreOutcome


class InMemoryInbox:
    def __init__(self) -> None:
        self._events: dict[tuple[str, str], InboundEvent] = {}
        self._lock = anyio.Lock()

    async def store(self, event: InboundEvent) -> StoreOutcome:
        async with self._lock:
            key = (event.source, event.source_id)
            if key in self._events:
                return StoreOutcome.DUPLICATE
            self._events[key] = event
            return StoreOutcome.STORED

    @property
    def events(self) -> list[InboundEvent]:
        """Everything stored, in arrival order."""
        return list(self._events.values())

    def get(self, source: str, source_id: str) -> InboundEvent | None:
        return self._events.get((source, source_id))

    def __len__(self) -> int:
        return len(self._events)
