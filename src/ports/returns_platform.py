"""The returns platform (ReBound) as the application sees it: sales orders out, returns and events in.

Adapters raise the typed errors of `ports.errors`. The sales-order structs are the wire body of the
contract (§2), shared by the adapter and the simulator so that both sides speak the same shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec

from backflow.domain.money import Money
from backflow.domain.order import Order
from backflow.domain.return_snapshot import ReturnEvent, ReturnSnapshot


class SalesOrderAddress(msgspec.Struct, frozen=True, omit_defaults=True):
    country: str
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postcode: str | None = None


class SalesOrderCustomer(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: SalesOrderAddress | None = None


class SalesOrderItem(msgspec.Struct, frozen=True, omit_defaults=True):
    clientItemId: str  # ReBound's field names are camelCase
    sku: str
    quantity: int
    unitPrice: str
    """Paid per unit after every discount, a decimal string with the currency's digits."""
    ean: str | None = None
    description: str | None = None
    returnable: bool = True
    daysForReturn: int | None = None

    def unit_price(self, currency: str) -> Money:
        return Money.parse(self.unitPrice, currency)


class SalesOrderCustomFields(msgspec.Struct, frozen=True, omit_defaults=True):
    ctOrderId: str
    ctOrderVersion: int
    store: str | None = None


class SalesOrder(msgspec.Struct, frozen=True, omit_defaults=True):
    clientOrderId: str
    orderDate: datetime
    currency: str
    items: list[SalesOrderItem]
    customFields: SalesOrderCustomFields
    customer: SalesOrderCustomer | None = None


SALES_ORDER_DECODER = msgspec.json.Decoder(SalesOrder)


class UpsertOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"


class UpsertResult(msgspec.Struct, frozen=True):
    outcome: UpsertOutcome
    order: SalesOrder


class AcknowledgementType(StrEnum):
    REFUNDED = "REFUNDED"
    REFUND_REJECTED = "REFUND_REJECTED"
    RESTOCKED = "RESTOCKED"
    EXCEPTION = "EXCEPTION"


class AcknowledgedLine(msgspec.Struct, frozen=True):
    client_item_id: str
    quantity: int
    amount: Money | None = None


class Acknowledgement(msgspec.Struct, frozen=True, kw_only=True):
    """What Backflow did about a return; `amount` and `lines[].amount` share `amount.currency`."""

    type: AcknowledgementType
    lines: list[AcknowledgedLine] = []
    amount: Money | None = None
    reference: str | None = None


class ReturnsPlatformPort(Protocol):
    async def upsert_sales_order(self, order: Order) -> UpsertResult:
        """Create or update the order so its customer can book a return; idempotent by order number."""
        ...

    def sales_order_digest(self, order: Order) -> str:
        """A digest of what `upsert_sales_order` would send for this order, its version apart: two
        versions with one digest show the customer the same order, so the newer need not be sent."""
        ...

    async def get_sales_order(self, client_order_id: str) -> SalesOrder:
        """The order as ReBound stores it; `NotFoundError` when ReBound has never seen it."""
        ...

    async def get_return(self, return_id: str) -> ReturnSnapshot:
        """The current snapshot of one return; `NotFoundError` if unknown."""
        ...

    def returns_changed_since(
        self, since: datetime, *, page_size: int = 200
    ) -> AsyncIterator[ReturnSnapshot]:
        """Catch-up: every return changed at or after `since`, oldest change first, page by page."""
        ...

    def events_since(self, since: datetime, *, page_size: int = 200) -> AsyncIterator[ReturnEvent]:
        """Replay of every webhook event emitted at or after `since`, oldest first."""
        ...

    async def acknowledge(self, return_id: str, ack: Acknowledgement, *, idempotency_key: str) -> None:
        """Tell ReBound what Backflow did; a repeat with the same key is a no-op on ReBound's side."""
        ...
