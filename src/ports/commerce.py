"""The commerce platform as the flows need it (commercetools behind it).

Every write is idempotent by a key commercetools itself stores, so that a flow may repeat any call
after a lost response or a crash: return item `key`, transaction `interactionId`, restock marker.
Errors are the typed errors of `ports.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Protocol

from backflow.domain.money import Money
from backflow.domain.order import Order, ReturnPaymentState, ReturnShipmentState
from backflow.ports.commerce_types import (
    InventoryEntry,
    MessageCursor,
    MessagePage,
    OrderPage,
    OrderQuery,
    Payment,
    ReasonCode,
    RestockOutcome,
    ReturnItemRequest,
    Transaction,
    TransactionState,
)


class CommercePort(Protocol):
    # ------------------------------------------------------------------ orders
    async def get_order(self, order_id: str, *, expand_payments: bool = False) -> Order: ...

    async def get_order_by_number(self, order_number: str, *, expand_payments: bool = False) -> Order: ...

    async def recent_order(self, order_id: str) -> Order:
        """The order as this process last read or wrote it (else read now): only to plan a version-checked
        write, where a stale copy costs a 409 and a re-read; never for money (that reads `get_order`)."""
        ...

    async def get_order_and_payment(self, order_id: str) -> tuple[Order, Payment | None]:
        """The latest order and its payment (as `find_order_payment` picks it) in one read."""
        ...

    async def query_orders(self, query: OrderQuery) -> OrderPage: ...

    def sweep_orders(self, where: Sequence[str] = (), *, page_size: int = 500) -> AsyncIterator[Order]:
        """Every order matching `where`, paged by an id cursor (no offset limit), in id order."""
        ...

    # ------------------------------------------------------------------ returns
    async def add_return_info(
        self,
        order_id: str,
        items: Sequence[ReturnItemRequest],
        *,
        return_tracking_id: str | None = None,
        current: Order | None = None,
        reread: bool = True,
    ) -> Order:
        """Append one return info with the items whose key is not on the order yet (none left: no write).

        `current`: the order as just read or last written; its version is used instead of a fresh read
        (a stale one costs a 409, then a re-read and a re-plan). `reread=False`: the write is tried once,
        on `current`; a 409 (or a transient failure) is raised, so that a caller whose plan rests on more
        than the return items (the anchoring's validation) re-reads and re-validates itself."""
        ...

    async def set_return_shipment_state(
        self, order_id: str, item_key: str, state: ReturnShipmentState
    ) -> Order:
        """Move a return item (by key); reaches Advised→Returned even where the direct action is refused."""
        ...

    async def set_return_shipment_states(
        self, order_id: str, states: Mapping[str, ReturnShipmentState], *, current: Order | None = None
    ) -> Order:
        """Move several return items (item key → state) forward in one request; `current` as above."""
        ...

    async def set_return_payment_state(
        self, order_id: str, item_key: str, state: ReturnPaymentState
    ) -> Order: ...

    async def set_return_payment_states(
        self, order_id: str, states: Mapping[str, ReturnPaymentState], *, current: Order | None = None
    ) -> Order:
        """Set several return items' payment states (item key → state) in one request."""
        ...

    async def set_return_reason(self, order_id: str, item_key: str, reason: ReasonCode) -> Order: ...

    # ------------------------------------------------------------------ payments
    async def find_order_payment(self, order_id: str) -> Payment | None:
        """The order's payment (the first one holding a Charge, else the first), or None."""
        ...

    async def order_payments(self, order_id: str) -> list[Payment]:
        """Every payment of the order with its transactions (none: an empty list)."""
        ...

    async def add_refund(
        self,
        payment_id: str,
        amount: Money,
        interaction_id: str,
        *,
        state: TransactionState = "Success",
        current: Payment | None = None,
    ) -> Transaction:
        """A Refund transaction, added once per `interaction_id` (an existing one is returned as is).

        `current`: the payment as just read; checked for the interaction id and its version used."""
        ...

    async def change_transaction_state(
        self, payment_id: str, transaction_id: str, state: TransactionState
    ) -> Transaction: ...

    # ------------------------------------------------------------------ inventory
    async def find_inventory_entry(
        self, sku: str, supply_channel_id: str | None
    ) -> InventoryEntry | None: ...

    async def applied_restock_ids(self, sku: str, supply_channel_id: str | None) -> list[str] | None:
        """The restock markers recorded on the entry (the most recent ones), None without an entry."""
        ...

    async def restock(
        self, sku: str, supply_channel_id: str | None, quantity: int, restock_id: str
    ) -> RestockOutcome:
        """Add `quantity` to the entry exactly once per `restock_id`, however often it is called."""
        ...

    # ------------------------------------------------------------------ events
    async def poll_messages(
        self, cursor: MessageCursor | None, types: Sequence[str], *, limit: int = 500
    ) -> MessagePage:
        """Messages of `types` after `cursor`, oldest first; persist the returned cursor."""
        ...
