"""Append-only ledgers of what Backflow did to money and stock; rows change state, never disappear."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec


class StockMovementState(StrEnum):
    PLANNED = "planned"
    APPLIED = "applied"
    FAILED = "failed"


class StockMovement(msgspec.Struct, frozen=True, kw_only=True):
    marker: str
    """The idempotency marker also written to commercetools; unique in the ledger."""
    sku: str
    supply_channel: str | None
    quantity: int
    return_id: str
    item_id: str
    state: StockMovementState = StockMovementState.PLANNED
    applied_at: datetime | None = None
    inventory_version: int | None = None
    """The inventory entry version seen when the movement was applied."""
    disposition: str | None = None
    """ReBound's grading disposition that sent the units here (SELLABLE, OUTLET, ...)."""


class WriteOff(msgspec.Struct, frozen=True, kw_only=True):
    """Units graded but not restocked (damaged, recycled, ...): no movement, recorded for the report."""

    marker: str
    sku: str
    quantity: int
    disposition: str | None
    return_id: str
    item_id: str
    recorded_at: datetime | None = None


class RefundState(StrEnum):
    PLANNED = "planned"
    RECORDED = "recorded"
    FAILED = "failed"


class RefundOutcome(StrEnum):
    ORIGINAL_PAYMENT = "original-payment"
    STORE_CREDIT = "store-credit"


class Refund(msgspec.Struct, frozen=True, kw_only=True):
    interaction_id: str
    """The payment transaction `interactionId`: unique, the refund's idempotency key."""
    return_id: str
    lines: bytes
    """JSON of the refunded lines and their amounts."""
    amount_minor: int
    currency: str
    payment_id: str | None
    outcome: RefundOutcome
    state: RefundState = RefundState.PLANNED


class CreditState(StrEnum):
    POSTED = "posted"
    RELEASED = "released"


class PendingCredit(msgspec.Struct, frozen=True, kw_only=True):
    """A liability finance can see before money moves: one per return and currency."""

    return_id: str
    currency: str
    amount_minor: int
    state: CreditState = CreditState.POSTED
    posted_at: datetime | None = None
    released_at: datetime | None = None


class StockLedger(Protocol):
    async def get(self, marker: str) -> StockMovement | None: ...

    async def for_return(self, return_id: str) -> list[StockMovement]: ...

    def record(self, movement: StockMovement) -> None:
        """Stage an append; a known marker is left as it is (the movement is already in the ledger)."""
        ...

    def set_state(
        self, marker: str, state: StockMovementState, *, inventory_version: int | None = None
    ) -> None: ...

    def record_write_off(self, write_off: WriteOff) -> None:
        """Stage an append; a known marker is left as it is."""
        ...


class RefundLedger(Protocol):
    async def get(self, interaction_id: str) -> Refund | None: ...

    async def for_return(self, return_id: str) -> list[Refund]: ...

    def record(self, refund: Refund) -> None:
        """Stage an append; a known interaction id is left as it is."""
        ...

    def set_state(self, interaction_id: str, state: RefundState) -> None: ...


class CreditLedger(Protocol):
    async def for_return(self, return_id: str) -> list[PendingCredit]: ...

    async def outstanding(self) -> dict[str, int]:
        """Posted, unreleased credit per currency: the liability."""
        ...

    def post(self, credit: PendingCredit) -> None:
        """Stage posting a credit; posting the same return and currency again replaces the amount."""
        ...

    def release(self, return_id: str, currency: str) -> None: ...
