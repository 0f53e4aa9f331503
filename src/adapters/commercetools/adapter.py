"""`CommercetoolsAdapter`: the `CommercePort` over one HTTP client. Close it with `aclose()`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from backflow.adapters.commercetools.config import CommercetoolsConfig
from backflow.adapters.commercetools.http import CommercetoolsHttp
from backflow.adapters.commercetools.inventory import Inventory, applied_restocks
from backflow.adapters.commercetools.messages import poll_messages
from backflow.adapters.commercetools.orders import Orders
from backflow.adapters.commercetools.payments import Payments
from backflow.adapters.commercetools.returns import Returns
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


class CommercetoolsAdapter:
    def __init__(
        self,
        config: CommercetoolsConfig,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
    ) -> None:
        self.config = config
        self.http = CommercetoolsHttp(config, tracer_provider=tracer_provider, meter_provider=meter_provider)
        self._orders = Orders(self.http)
        self._returns = Returns(self._orders)
        self._payments = Payments(self.http, self._orders)
        self.inventory = Inventory(self.http)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, tracer_provider: TracerProvider | None = None
    ) -> CommercetoolsAdapter:
        return cls(CommercetoolsConfig.from_env(env), tracer_provider=tracer_provider)

    async def prepare(self) -> None:
        """Startup work: create the restock marker Type if missing (see `inventory.py`)."""
        await self.inventory.ensure_marker_type()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> CommercetoolsAdapter:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ orders
    async def get_order(self, order_id: str, *, expand_payments: bool = False) -> Order:
        return await self._orders.get(order_id, expand_payments=expand_payments)

    async def get_order_by_number(self, order_number: str, *, expand_payments: bool = False) -> Order:
        return await self._orders.get_by_number(order_number, expand_payments=expand_payments)

    async def recent_order(self, order_id: str) -> Order:
        return await self._orders.recent(order_id)

    async def get_order_and_payment(self, order_id: str) -> tuple[Order, Payment | None]:
        return await self._payments.order_and_payment(order_id)

    async def query_orders(self, query: OrderQuery) -> OrderPage:
        return await self._orders.query(query)

    def sweep_orders(self, where: Sequence[str] = (), *, page_size: int = 500) -> AsyncIterator[Order]:
        return self._orders.sweep(where, page_size=page_size)

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
        return await self._returns.add_return_info(order_id, items, return_tracking_id, current, reread)

    async def set_return_shipment_state(
        self, order_id: str, item_key: str, state: ReturnShipmentState
    ) -> Order:
        return await self._returns.set_shipment_states(order_id, {item_key: state})

    async def set_return_shipment_states(
        self, order_id: str, states: Mapping[str, ReturnShipmentState], *, current: Order | None = None
    ) -> Order:
        return await self._returns.set_shipment_states(order_id, states, current)

    async def set_return_payment_state(
        self, order_id: str, item_key: str, state: ReturnPaymentState
    ) -> Order:
        return await self._returns.set_payment_states(order_id, {item_key: state})

    async def set_return_payment_states(
        self, order_id: str, states: Mapping[str, ReturnPaymentState], *, current: Order | None = None
    ) -> Order:
        return await self._returns.set_payment_states(order_id, states, current)

    async def set_return_reason(self, order_id: str, item_key: str, reason: ReasonCode) -> Order:
        return await self._returns.set_reason(order_id, item_key, reason)

    # ------------------------------------------------------------------ payments
    async def find_order_payment(self, order_id: str) -> Payment | None:
        return await self._payments.find_for_order(order_id)

    async def order_payments(self, order_id: str) -> list[Payment]:
        return await self._payments.for_order(order_id)

    async def add_refund(
        self,
        payment_id: str,
        amount: Money,
        interaction_id: str,
        *,
        state: TransactionState = "Success",
        current: Payment | None = None,
    ) -> Transaction:
        return await self._payments.add_refund(payment_id, amount, interaction_id, state, current)

    async def change_transaction_state(
        self, payment_id: str, transaction_id: str, state: TransactionState
    ) -> Transaction:
        return await self._payments.change_transaction_state(payment_id, transaction_id, state)

    # ------------------------------------------------------------------ inventory
    async def find_inventory_entry(self, sku: str, supply_channel_id: str | None) -> InventoryEntry | None:
        return await self.inventory.find(sku, supply_channel_id)

    async def applied_restock_ids(self, sku: str, supply_channel_id: str | None) -> list[str] | None:
        entry = await self.inventory.find(sku, supply_channel_id)
        return None if entry is None else applied_restocks(entry)

    async def restock(
        self, sku: str, supply_channel_id: str | None, quantity: int, restock_id: str
    ) -> RestockOutcome:
        return await self.inventory.restock(sku, supply_channel_id, quantity, restock_id)

    # ------------------------------------------------------------------ events
    async def poll_messages(
        self, cursor: MessageCursor | None, types: Sequence[str], *, limit: int = 500
    ) -> MessagePage:
        return await poll_messages(self.http, cursor, types, limit)
