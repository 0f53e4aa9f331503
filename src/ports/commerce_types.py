"""Value types the commerce port speaks, beside the domain's `Order` read model.

Field names of structs decoded from commercetools JSON are commercetools' own (camelCase), so one typed
decoder reads the API without a mapping layer; the request types the flows build are snake_case.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from backflow.domain.money import TypedMoney
from backflow.domain.order import CustomFields, Order, Reference, ReturnPaymentState, ReturnShipmentState

TransactionType = Literal["Authorization", "CancelAuthorization", "Charge", "Refund", "Chargeback"]
TransactionState = Literal["Initial", "Pending", "Success", "Failure"]
DraftShipmentState = Literal["Advised", "Returned"]

__all__ = [
    "CommerceMessage",
    "DraftShipmentState",
    "InventoryEntry",
    "MessageCursor",
    "MessagePage",
    "OrderPage",
    "OrderQuery",
    "Payment",
    "ReasonCode",
    "RestockOutcome",
    "ReturnItemRequest",
    "ReturnPaymentState",
    "ReturnShipmentState",
    "Transaction",
    "TransactionState",
    "TransactionType",
]


class OrderQuery(msgspec.Struct, frozen=True, kw_only=True):
    """One page of `GET /orders`: `where` clauses are AND-ed; `sort` entries look like `"id asc"`."""

    where: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    limit: int = 20
    offset: int = 0
    variables: dict[str, str] = {}
    expand_payments: bool = False


class OrderPage(msgspec.Struct, frozen=True):
    results: list[Order]
    offset: int
    count: int
    total: int | None = None


class ReasonCode(msgspec.Struct, frozen=True):
    """A return item's reason code: an enum key stored in a custom field of a Type for `order-return-item`."""

    type_key: str
    field: str
    value: str


class ReturnItemRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One item to write as return info; `key` is the ReBound item id and makes the write idempotent."""

    key: str
    quantity: int
    line_item_id: str | None = None
    custom_line_item_id: str | None = None
    shipment_state: DraftShipmentState = "Advised"
    comment: str | None = None
    reason: ReasonCode | None = None

    def __post_init__(self) -> None:
        if (self.line_item_id is None) == (self.custom_line_item_id is None):
            raise ValueError("a return item names exactly one of line_item_id and custom_line_item_id")
        if self.quantity < 1:
            raise ValueError("a return item's quantity is at least 1")


class Transaction(msgspec.Struct, frozen=True):
    id: str
    type: TransactionType
    amount: TypedMoney
    state: TransactionState
    interactionId: str | None = None  # commercetools field names are camelCase
    timestamp: str | None = None


class Payment(msgspec.Struct, frozen=True):
    id: str
    version: int
    amountPlanned: TypedMoney
    transactions: list[Transaction] = []
    key: str | None = None

    def transaction_by_interaction(self, interaction_id: str, kind: TransactionType) -> Transaction | None:
        return next(
            (t for t in self.transactions if t.interactionId == interaction_id and t.type == kind), None
        )


class InventoryEntry(msgspec.Struct, frozen=True):
    id: str
    version: int
    sku: str
    quantityOnStock: int
    availableQuantity: int = 0
    supplyChannel: Reference | None = None
    custom: CustomFields | None = None


class RestockOutcome(msgspec.Struct, frozen=True):
    """`applied` is False when the marker showed this restock id had already been applied."""

    entry: InventoryEntry
    applied: bool


class MessageCursor(msgspec.Struct, frozen=True):
    """Where a Messages API poll stopped: the last message's `createdAt` (verbatim ISO text) and `id`."""

    created_at: str
    id: str


class CommerceMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A commercetools message, from a poll or a subscription push; `body` is the message JSON verbatim."""

    id: str
    type: str
    resource_type: str
    resource_id: str
    sequence_number: int
    resource_version: int
    created_at: str
    body: bytes


class MessagePage(msgspec.Struct, frozen=True):
    messages: list[CommerceMessage]
    cursor: MessageCursor | None
    """The cursor to persist and pass to the next poll (unchanged when nothing new arrived)."""
