"""Operator reads and actions the admin API needs beyond the flows' ports (search, filters, probes)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

import msgspec

from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.outbox import AppendResult, OutboxMessage, OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord


class ExceptionQuery(msgspec.Struct, frozen=True, kw_only=True):
    owner: str | None = None
    type: str | None = None
    state: str | None = None
    """None means unresolved (open or acknowledged); `any` means every state."""
    min_age_seconds: float | None = None
    max_age_seconds: float | None = None
    """Age is measured from `first_seen`."""
    order: Literal["newest", "oldest"] = "newest"
    limit: int = 100
    offset: int = 0
    """How many matching exceptions to skip first (paging, in `order`)."""


class QueueCounts(msgspec.Struct, frozen=True, kw_only=True):
    """One outbox kind: `due` is claimable now, `scheduled` waits for its time, `retrying` failed before."""

    kind: str
    due: int
    scheduled: int
    retrying: int
    leased: int
    dead: int


class InboxCounts(msgspec.Struct, frozen=True, kw_only=True):
    pending: int
    failed: int
    quarantined: int
    oldest_pending_age_seconds: float | None


class SyncLagStats(msgspec.Struct, frozen=True, kw_only=True):
    synced: int
    pending: int
    failing: int
    lag_avg_seconds: float | None
    lag_p50_seconds: float | None
    lag_p95_seconds: float | None
    lag_max_seconds: float | None
    last_synced_at: datetime | None
    resyncs_skipped: int = 0
    """Newer order versions not sent: ReBound already had the sales order they map to."""


class AdminStore(Protocol):
    async def exceptions(self, query: ExceptionQuery) -> list[ExceptionRecord]: ...

    async def search_returns(self, text: str, *, limit: int, offset: int = 0) -> list[ReturnCaseRecord]:
        """Returns whose id, order number, commercetools order id or an item SKU equals `text`."""
        ...

    async def queue_counts(self) -> list[QueueCounts]: ...

    async def inbox_counts(self) -> InboxCounts: ...

    async def quarantined_inbox(self, *, limit: int, after_seq: int = 0) -> list[StoredInboundEvent]:
        """Inbox rows kept quarantined (unreadable bodies, captured refusals), in arrival order."""
        ...

    async def sync_lag(self) -> SyncLagStats: ...

    async def outbox_row(self, outbox_id: str) -> OutboxRow | None: ...

    async def retry_exception(
        self, exception_id: int, message: OutboxMessage, *, actor: str, note: str
    ) -> AppendResult:
        """In one transaction: append `message` and record a `retried` event on the exception."""
        ...

    async def probe_write(self) -> None:
        """A real committed write (readiness): raises when the database cannot be written."""
        ...
