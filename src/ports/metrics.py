"""What the metrics read from the store in one pass: counts grouped by low-cardinality labels only."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec


class OutboxFigure(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    pending: int
    leased: int
    dead: int
    oldest_due_age_seconds: float | None
    """How long the oldest claimable row of this kind has waited past its time; None if none is due."""


class InboxFigure(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    pending: int
    failed: int
    oldest_pending_age_seconds: float | None


class ExceptionFigure(msgspec.Struct, frozen=True, kw_only=True):
    owner: str
    type: str
    age: str
    """An age bucket since `first_seen`: `lt_1h`, `1h_1d`, `1d_7d`, `gt_7d`."""
    count: int


class MoneyFigure(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    count: int
    amount_minor: int


class StoreFigures(msgspec.Struct, frozen=True, kw_only=True):
    outbox: list[OutboxFigure]
    inbox: list[InboxFigure]
    exceptions: list[ExceptionFigure]
    """Unresolved (open or acknowledged) exceptions."""
    refunds: list[MoneyFigure]
    """Refunds recorded in commercetools, per currency (since the database began)."""
    restocked_units: int
    """Units of applied stock movements (since the database began)."""
    order_sync: dict[str, int]
    """Orders known to order sync, by status (`synced`, `pending`, `failing`)."""
    sync_lags: list[float]
    """Lag in seconds of each order synced after `synced_after`, oldest first."""
    last_synced_at: datetime | None
    """The latest sync among `sync_lags`: the next reading's `synced_after`."""
    resyncs_skipped: int = 0
    """Newer order versions not sent to ReBound (since the database began): same sales order."""


class StoreFiguresReader(Protocol):
    async def figures(self, *, synced_after: datetime) -> StoreFigures: ...
