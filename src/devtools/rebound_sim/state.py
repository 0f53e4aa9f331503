"""The simulator's mutable world: orders it received, returns, every event it emitted, acknowledgements."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from backflow.domain.return_snapshot import (
    RefundProposal,
    ReturnEvent,
    ReturnItemSnapshot,
    ReturnOrderInfo,
    ReturnSnapshot,
)
from backflow.ports.returns_platform import SalesOrder

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(moment: datetime, rng: random.Random) -> str:
    """A ULID from simulated time and the seeded generator, so a seeded run repeats its ids."""
    millis = int(moment.timestamp() * 1000)
    value = (millis << 80) | rng.getrandbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


@dataclass
class StoredOrder:
    order: SalesOrder
    created_at: datetime
    updated_at: datetime


@dataclass
class SimItem:
    rebound_item_id: str
    sku: str
    quantity_expected: int
    client_item_id: str | None
    unit_price: str | None
    currency: str
    reason_code: str | None = None
    customer_comment: str | None = None
    quantity_received: int | None = None
    condition: str | None = None
    disposition: str | None = None

    def snapshot(self) -> ReturnItemSnapshot:
        return ReturnItemSnapshot(
            reboundItemId=self.rebound_item_id,
            clientItemId=self.client_item_id,
            sku=self.sku,
            quantityExpected=self.quantity_expected,
            quantityReceived=self.quantity_received,
            reasonCode=self.reason_code,
            customerComment=self.customer_comment,
            condition=self.condition,
            disposition=self.disposition,
            commercialValue=self.unit_price,
            commercialValueCurrency=self.currency if self.unit_price is not None else None,
        )


@dataclass
class SimReturn:
    return_id: str
    client_order_id: str
    rebound_order_id: str
    flow: str
    currency: str
    items: list[SimItem]
    created_at: datetime
    updated_at: datetime
    status: str = "BOOKED"
    status_description: str | None = None
    location: str | None = None
    tracking_number: str | None = None
    exception_reason: str | None = None
    refund: RefundProposal | None = None
    sequence: int = 0
    history: list[str] = field(default_factory=list)
    """Event types in emission order."""

    @property
    def is_closed(self) -> bool:
        return self.status in ("CANCELLED", "EXCEPTION", "PROCESSED")

    def snapshot(self) -> ReturnSnapshot:
        return ReturnSnapshot(
            order=ReturnOrderInfo(
                returnId=self.return_id,
                clientOrderId=self.client_order_id,
                reboundOrderId=self.rebound_order_id,
                status=self.status,
                statusDescription=self.status_description,
                flow=self.flow,
                location=self.location,
                trackingNumber=self.tracking_number,
                timestamp=self.updated_at,
                exceptionReason=self.exception_reason,
            ),
            items=[item.snapshot() for item in self.items],
            refund=self.refund,
        )


@dataclass
class EmittedEvent:
    event: ReturnEvent
    body: bytes
    return_id: str
    tracking: bytes | None = None
    """The milestone in ReBound's published tracking format, when it publishes one."""


@dataclass
class SimState:
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    returns: dict[str, SimReturn] = field(default_factory=dict)
    events: list[EmittedEvent] = field(default_factory=list)
    acknowledgements: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    """return id → idempotency key → the acknowledgement as first received."""
    counter: int = 0
    booked: dict[tuple[str, str], int] = field(default_factory=dict)
    """(client order id, client item id) → units the portal has booked returns for, so far."""

    def next_number(self) -> int:
        self.counter += 1
        return self.counter
