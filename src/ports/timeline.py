"""A return's timeline: every event received, call made and decision taken, in order, for people."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    return_id: str
    at: datetime
    source: str
    """Who acted: `rebound` (an event received), `commercetools`, `backflow` (a decision), `operator`."""
    action: str
    """What happened, e.g. `event return_order.items_graded`, `addReturnInfo`, `refund recorded`."""
    outcome: str
    """`ok`, `stale`, `ignored`, `failed`, `held`, `exception`, ..."""
    detail: bytes = b"{}"
    """JSON with the figures and ids behind the entry."""
    order_ref: str | None = None


class TimelineWriter(Protocol):
    def add(self, entry: TimelineEntry) -> None:
        """Stage an entry in the current unit of work."""
        ...


class TimelineReader(Protocol):
    async def for_return(self, return_id: str, *, limit: int = 500) -> list[TimelineEntry]:
        """Oldest first."""
        ...

    async def latest(self, return_id: str, *, action: str) -> TimelineEntry | None:
        """The return's newest entry for `action`, if any (to record a change, not every look)."""
        ...
