"""Orders synced from commercetools to ReBound, with their lag and failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec

from backflow.domain.order import Order


class SyncStatus(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILING = "failing"


class SyncedOrder(msgspec.Struct, frozen=True, kw_only=True):
    ct_order_id: str
    order_number: str | None
    ct_version: int
    """The commercetools order version last pushed to ReBound."""
    status: SyncStatus
    last_synced_at: datetime | None = None
    lag_seconds: float | None = None
    """From the order's lastModifiedAt to ReBound accepting it."""
    attempts: int = 0
    last_error: str | None = None
    skus: dict[str, int] = {}
    """Units ordered per SKU (recorded when synced; the return rate's denominator)."""
    products: dict[str, str] = {}
    """The product name of each SKU, as the order line names it."""
    payload_digest: str | None = None
    """The digest of the sales order last sent to ReBound (`ReturnsPlatformPort.sales_order_digest`)."""
    resyncs_skipped: int = 0
    """Newer versions recorded without a call: they mapped to the sales order ReBound already had."""


class SyncedOrderRepository(Protocol):
    async def get(self, ct_order_id: str) -> SyncedOrder | None: ...

    async def by_number(self, order_number: str) -> SyncedOrder | None: ...

    async def failing(self, *, limit: int) -> list[SyncedOrder]: ...

    def upsert(self, order: SyncedOrder) -> None:
        """Stage an insert-or-replace; an older ct_version never overwrites a newer one."""
        ...

    def keep_snapshot(self, order: Order) -> None:
        """Stage the order as synced (commercetools' copy at its version); never replaces a newer one."""
        ...

    def forget_snapshot(self, ct_order_id: str) -> None:
        """Stage the removal of the kept copy: a write of ours has moved the order past it."""
        ...

    async def snapshots_created_before(self, cutoff: datetime, *, limit: int) -> list[str]:
        """The ids of up to `limit` kept copies of orders created before `cutoff`, oldest first."""
        ...

    def forget_snapshots(self, ct_order_ids: Sequence[str]) -> None:
        """Stage the removal of these kept copies in one statement (the retention's batch)."""
        ...

    async def snapshot(self, ref: str) -> Order | None:
        """The order last kept with this order number (else this id): only to plan a version-checked
        write, where a stale copy costs a 409; never for money."""
        ...
