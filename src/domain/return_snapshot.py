"""ReBound's view of a return, as its webhooks and API carry it (contract §3).

Field names are ReBound's own (camelCase) so one reused typed decoder reads the wire without a
mapping layer. Enum-like fields are plain strings: a status, condition or disposition that ReBound
adds later must be kept and flagged for review, never crash the decoder. Money travels as decimal
strings and becomes `Money` only through `Money.parse`.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from backflow.domain.money import Money

EVENT_STATUS: dict[str, str | None] = {
    "return_order.created": "CREATED",
    "return_order.in_transit": "IN_TRANSIT",
    "return_order.arrived_at_hub": "AT_HUB",
    "return_order.delivered": "DELIVERED",
    "return_order.items_registered": "REGISTERED",
    "return_order.items_graded": "GRADED",
    "return_order.processed": "PROCESSED",
    "return_order.cancelled": "CANCELLED",
    "return_order.exception": "EXCEPTION",
    "refund.triggered": None,  # leaves the status unchanged
}
"""Every event type of the contract and the status it leaves the return in."""

KNOWN_STATUSES = frozenset(status for status in EVENT_STATUS.values() if status is not None)
KNOWN_FLOWS = frozenset({"STANDARD", "DTR", "RLIB"})
KNOWN_CONDITIONS = frozenset({"A", "B", "C", "D"})
KNOWN_DISPOSITIONS = frozenset(
    {
        "SELLABLE",
        "SELLABLE_REPACK",
        "REFURBISH",
        "OUTLET",
        "DAMAGED",
        "WORN_SOILED",
        "RECYCLE",
        "DONATE",
        "RETURN_TO_CUSTOMER",
        "MISSING",
        "UNEXPECTED_ITEM",
    }
)
KNOWN_MILESTONES = frozenset({"DROP_OFF", "HUB_RECEIVED", "HUB_PROCESSED"})
KNOWN_OUTCOMES = frozenset({"ORIGINAL_PAYMENT", "STORE_CREDIT", "GIFT_CARD", "EXCHANGE"})


class ReturnOrderInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    returnId: str  # ReBound's field names are camelCase
    clientOrderId: str
    status: str
    timestamp: datetime
    flow: str | None = None
    """Absent when the return is known only from ReBound's tracking updates, which do not carry it."""
    reboundOrderId: str | None = None
    statusDescription: str | None = None
    location: str | None = None
    trackingNumber: str | None = None
    exceptionReason: str | None = None


class ReturnItemSnapshot(msgspec.Struct, frozen=True, omit_defaults=True):
    reboundItemId: str
    sku: str
    quantityExpected: int
    clientItemId: str | None = None
    """The commercetools line item id; absent for an item that was not on the order."""
    quantityReceived: int | None = None
    """Unknown (None) until the items are registered."""
    reasonCode: str | None = None
    customerComment: str | None = None
    condition: str | None = None
    disposition: str | None = None
    commercialValue: str | None = None
    commercialValueCurrency: str | None = None

    def commercial_value(self) -> Money | None:
        if self.commercialValue is None or self.commercialValueCurrency is None:
            return None
        return Money.parse(self.commercialValue, self.commercialValueCurrency)


class RefundLine(msgspec.Struct, frozen=True):
    clientItemId: str
    quantity: int
    amount: str


class RefundProposal(msgspec.Struct, frozen=True, omit_defaults=True):
    """ReBound's proposed refund; commercetools stays the authority on what was paid."""

    milestone: str
    outcome: str
    currency: str
    totalAmount: str
    lines: list[RefundLine] = []
    shippingRefund: str = "0"

    def total(self) -> Money:
        return Money.parse(self.totalAmount, self.currency)

    def shipping(self) -> Money:
        return Money.parse(self.shippingRefund, self.currency)

    def line_amounts(self) -> dict[str, Money]:
        """The proposed amount per commercetools line item id (lines with one id are summed)."""
        amounts: dict[str, Money] = {}
        for line in self.lines:
            amount = Money.parse(line.amount, self.currency)
            previous = amounts.get(line.clientItemId)
            amounts[line.clientItemId] = amount if previous is None else previous + amount
        return amounts


class ReturnSnapshot(msgspec.Struct, frozen=True, omit_defaults=True):
    """The full current state of one return: a webhook's `data` and the API's return resource."""

    order: ReturnOrderInfo
    items: list[ReturnItemSnapshot] = []
    refund: RefundProposal | None = None

    @property
    def return_id(self) -> str:
        return self.order.returnId

    def unknown_values(self) -> list[str]:
        """Every enum value this build does not know, named for an exception ("disposition=FOO")."""
        found: list[str] = []
        if self.order.status not in KNOWN_STATUSES:
            found.append(f"status={self.order.status}")
        if self.order.flow is not None and self.order.flow not in KNOWN_FLOWS:
            found.append(f"flow={self.order.flow}")
        for item in self.items:
            if item.condition is not None and item.condition not in KNOWN_CONDITIONS:
                found.append(f"condition={item.condition}")
            if item.disposition is not None and item.disposition not in KNOWN_DISPOSITIONS:
                found.append(f"disposition={item.disposition}")
        if self.refund is not None:
            if self.refund.milestone not in KNOWN_MILESTONES:
                found.append(f"milestone={self.refund.milestone}")
            if self.refund.outcome not in KNOWN_OUTCOMES:
                found.append(f"outcome={self.refund.outcome}")
        return found


class ReturnEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    """The webhook envelope; `sequence` increases per return, so the newest sequence wins."""

    id: str
    type: str
    createdAt: datetime
    sequence: int
    data: ReturnSnapshot
    apiVersion: str | None = None

    @property
    def is_known_type(self) -> bool:
        return self.type in EVENT_STATUS


RETURN_EVENT_DECODER = msgspec.json.Decoder(ReturnEvent)
RETURN_SNAPSHOT_DECODER = msgspec.json.Decoder(ReturnSnapshot)


def decode_return_event(raw: bytes | str) -> ReturnEvent:
    return RETURN_EVENT_DECODER.decode(raw)


def decode_return_snapshot(raw: bytes | str) -> ReturnSnapshot:
    return RETURN_SNAPSHOT_DECODER.decode(raw)


def newest(events: list[ReturnEvent]) -> ReturnEvent | None:
    """The event in force for one return: the highest `sequence`, whatever order they arrived in."""
    return max(events, key=lambda event: event.sequence, default=None)
