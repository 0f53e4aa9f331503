"""The inbox: every inbound event kept verbatim, before anything is acknowledged to its sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec


class InboundEvent(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    """Who sent it: `rebound`, `commercetools` (push or poll), `rebound-catchup`, ..."""
    source_id: str
    """The sender's own id for the event (ReBound event id, commercetools message id); unique per source."""
    kind: str
    """The event's type as the sender names it (`return_order.items_graded`, `OrderCreated`)."""
    received_at: datetime
    body: bytes
    """The raw bytes exactly as received; signatures were computed over these."""
    headers: dict[str, str] = {}
    """Only the headers that matter later (event id, type, delivery attempt, signature timestamp)."""
    trace_ctx: dict[str, str] = {}
    """W3C trace context of the request that delivered it, so processing joins the same trace."""
    quarantine_reason: str | None = None
    """Set when the body could not be understood: kept verbatim and shown as an exception."""


class StoreOutcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"


class InboxStatus(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class StoredInboundEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An inbox row: the event plus where its processing stands."""

    seq: int
    """Arrival order; the handle to mark it processed or failed."""
    event: InboundEvent
    status: InboxStatus
    attempts: int
    last_error: str | None
    processed_at: datetime | None


class Inbox(Protocol):
    async def store(self, event: InboundEvent) -> StoreOutcome:
        """Store durably (committed, synced) before returning; a known (source, source_id) is a duplicate."""
        ...

    async def pending(self, *, limit: int, after_seq: int = 0) -> list[StoredInboundEvent]:
        """Pending events in arrival order (quarantined ones included: the processor raises them)."""
        ...

    async def claim(self, seq: int, holder: str, seconds: float) -> bool:
        """Take a pending event for processing for `seconds` (or until it is marked); False if it is
        no longer pending or another holder's claim is live. Several replicas (PostgreSQL) claim, so
        each event is processed by one of them at a time; one active daemon (SQLite) always may."""
        ...

    async def claim_many(self, seqs: Sequence[int], holder: str, seconds: float) -> set[int]:
        """`claim` for several events in one round trip: the seqs this holder now holds. A dispatcher
        hands out a page of events at once; one transaction a page, not one an event, on PostgreSQL."""
        ...

    async def mark_processed(self, seq: int) -> bool:
        """Pending → processed; False if it was not pending."""
        ...

    async def mark_failed(self, seq: int, error: str, *, final: bool) -> bool:
        """Count a failed attempt; `final` moves it to failed, otherwise it stays pending for a retry."""
        ...

    async def get(self, source: str, source_id: str) -> StoredInboundEvent | None: ...
