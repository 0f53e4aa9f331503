"""Return cases, stored generically: the domain aggregate is rebuilt from the latest ReBound snapshot."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec


class ReturnCaseRecord(msgspec.Struct, frozen=True, kw_only=True):
    return_id: str
    client_order_id: str | None
    """The order reference as ReBound knows it (the commercetools order number)."""
    ct_order_id: str | None
    """The commercetools order id, once the return is anchored."""
    state: str
    last_sequence: int
    """The newest ReBound `sequence` applied; an older event is ignored."""
    snapshot: bytes
    """The latest ReBound snapshot as JSON bytes."""
    version: int = 0
    """Optimistic concurrency: the version read; the store bumps it on every update."""
    created_at: datetime
    updated_at: datetime


class ReturnCaseRepository(Protocol):
    async def get(self, return_id: str) -> ReturnCaseRecord | None:
        """The committed record (writes staged in a unit of work are not visible before commit)."""
        ...

    async def by_order(self, order_ref: str) -> list[ReturnCaseRecord]:
        """Returns whose client order id or commercetools order id is `order_ref`."""
        ...

    async def in_state(self, state: str, *, limit: int) -> list[ReturnCaseRecord]: ...

    def add(self, record: ReturnCaseRecord) -> None:
        """Stage an insert (version 1); a known return id fails the commit with ConflictError."""
        ...

    def update(self, record: ReturnCaseRecord) -> None:
        """Stage an update expecting `record.version` to be current, else the commit raises ConflictError."""
        ...
