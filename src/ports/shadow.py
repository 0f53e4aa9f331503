"""Shadow mode's record of every write Backflow would have made, instead of making it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec


class ShadowWrite(msgspec.Struct, frozen=True, kw_only=True):
    target: str
    """`commercetools` or `rebound`."""
    operation: str
    """The port method, e.g. `add_refund`."""
    arguments: bytes
    """JSON of the call's arguments."""
    at: datetime
    trace_id: str | None = None


class ShadowLog(Protocol):
    async def record(self, write: ShadowWrite) -> None:
        """Store durably (committed before returning)."""
        ...

    async def count(self) -> int: ...

    async def recent(self, *, limit: int = 100) -> list[ShadowWrite]:
        """Newest first."""
        ...
