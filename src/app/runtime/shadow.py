"""Shadow mode: read both systems for real, write to neither, and record every write that would have been.

A retailer runs `backflow run --shadow` beside their current process before go-live. Each write
method records (target, operation, arguments as JSON, time, trace id) durably and returns a
plausible result built from a fresh read (the order as it stands, the inventory entry as it is), so
the flows carry on as they would and their decisions can be compared with what people did.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from backflow.app.core.tracing import current_trace_ids
from backflow.domain.money import Money, TypedMoney
from backflow.domain.order import Order, ReturnPaymentState, ReturnShipmentState
from backflow.domain.return_snapshot import ReturnEvent, ReturnSnapshot
from backflow.ports.clock import Clock
from backflow.ports.commerce import CommercePort
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
from backflow.ports.errors import NotFoundError
from backflow.ports.returns_platform import (
    Acknowledgement,
    ReturnsPlatformPort,
    SalesOrder,
    UpsertOutcome,
    UpsertResult,
)
from backflow.ports.shadow import ShadowLog, ShadowWrite

_ENCODER = msgspec.json.Encoder(enc_hook=str)


class _Recorder:
    def __init__(self, target: str, log: ShadowLog, clock: Clock) -> None:
        self._target, self._log, self._clock = target, log, clock

    async def __call__(self, operation: str, **arguments: Any) -> None:
        ids = current_trace_ids()
        await self._log.record(
            ShadowWrite(
                target=self._target,
                operation=operation,
                arguments=_ENCODER.encode(arguments),
                at=self._clock.now(),
                trace_id=None if ids is None else ids[0],
            )
        )


class ShadowCommerce:
    """`CommercePort` that reads commercetools and records its writes instead of sending them."""

    def __init__(self, inner: CommercePort, log: ShadowLog, clock: Clock) -> None:
        self._inner = inner
        self._record = _Recorder("commercetools", log, clock)

    # reads pass through
    async def get_order(self, order_id: str, *, expand_payments: bool = False) -> Order:
        return await self._inner.get_order(order_id, expand_payments=expand_payments)

    async def get_order_by_number(self, order_number: str, *, expand_payments: bool = False) -> Order:
        return await self._inner.get_order_by_number(order_number, expand_payments=expand_payments)

    async def recent_order(self, order_id: str) -> Order:
        return await self._inner.recent_order(order_id)

    async def get_order_and_payment(self, order_id: str) -> tuple[Order, Payment | None]:
        return await self._inner.get_order_and_payment(order_id)

    async def query_orders(self, query: OrderQuery) -> OrderPage:
        return await self._inner.query_orders(query)

    def sweep_orders(self, where: Sequence[str] = (), *, page_size: int = 500) -> AsyncIterator[Order]:
        return self._inner.sweep_orders(where, page_size=page_size)

    async def find_order_payment(self, order_id: str) -> Payment | None:
        return await self._inner.find_order_payment(order_id)

    async def find_inventory_entry(self, sku: str, supply_channel_id: str | None) -> InventoryEntry | None:
        return await self._inner.find_inventory_entry(sku, supply_channel_id)

    async def order_payments(self, order_id: str) -> list[Payment]:
        return await self._inner.order_payments(order_id)

    async def applied_restock_ids(self, sku: str, supply_channel_id: str | None) -> list[str] | None:
        return await self._inner.applied_restock_ids(sku, supply_channel_id)

    async def poll_messages(
        self, cursor: MessageCursor | None, types: Sequence[str], *, limit: int = 500
    ) -> MessagePage:
        return await self._inner.poll_messages(cursor, types, limit=limit)

    # writes are recorded; the order as it stands is the plausible answer
    async def add_return_info(
        self,
        order_id: str,
        items: Sequence[ReturnItemRequest],
        *,
        return_tracking_id: str | None = None,
        current: Order | None = None,
        reread: bool = True,
    ) -> Order:
        await self._record(
            "add_return_info", order_id=order_id, items=list(items), return_tracking_id=return_tracking_id
        )
        return await self._inner.get_order(order_id)

    async def set_return_shipment_state(
        self, order_id: str, item_key: str, state: ReturnShipmentState
    ) -> Order:
        await self._record("set_return_shipment_state", order_id=order_id, item_key=item_key, state=state)
        return await self._inner.get_order(order_id)

    async def set_return_shipment_states(
        self, order_id: str, states: Mapping[str, ReturnShipmentState], *, current: Order | None = None
    ) -> Order:
        for key, state in states.items():
            await self._record("set_return_shipment_state", order_id=order_id, item_key=key, state=state)
        return await self._inner.get_order(order_id)

    async def set_return_payment_state(
        self, order_id: str, item_key: str, state: ReturnPaymentState
    ) -> Order:
        await self._record("set_return_payment_state", order_id=order_id, item_key=item_key, state=state)
        return await self._inner.get_order(order_id)

    async def set_return_payment_states(
        self, order_id: str, states: Mapping[str, ReturnPaymentState], *, current: Order | None = None
    ) -> Order:
        for key, state in states.items():
            await self._record("set_return_payment_state", order_id=order_id, item_key=key, state=state)
        return await self._inner.get_order(order_id)

    async def set_return_reason(self, order_id: str, item_key: str, reason: ReasonCode) -> Order:
        await self._record("set_return_reason", order_id=order_id, item_key=item_key, reason=reason)
        return await self._inner.get_order(order_id)

    async def add_refund(
        self,
        payment_id: str,
        amount: Money,
        interaction_id: str,
        *,
        state: TransactionState = "Success",
        current: Payment | None = None,
    ) -> Transaction:
        await self._record(
            "add_refund", payment_id=payment_id, amount=amount, interaction_id=interaction_id, state=state
        )
        money = TypedMoney(
            currencyCode=amount.currency, centAmount=amount.amount, fractionDigits=amount.digits
        )
        return Transaction(
            id=f"shadow-{interaction_id}",
            type="Refund",
            amount=money,
            state=state,
            interactionId=interaction_id,
        )

    async def change_transaction_state(
        self, payment_id: str, transaction_id: str, state: TransactionState
    ) -> Transaction:
        await self._record(
            "change_transaction_state", payment_id=payment_id, transaction_id=transaction_id, state=state
        )
        money = TypedMoney(currencyCode="EUR", centAmount=0)
        return Transaction(id=transaction_id, type="Refund", amount=money, state=state)

    async def restock(
        self, sku: str, supply_channel_id: str | None, quantity: int, restock_id: str
    ) -> RestockOutcome:
        await self._record(
            "restock", sku=sku, supply_channel_id=supply_channel_id, quantity=quantity, restock_id=restock_id
        )
        entry = await self._inner.find_inventory_entry(sku, supply_channel_id)
        if entry is None:
            entry = InventoryEntry(id=f"shadow-{sku}", version=0, sku=sku, quantityOnStock=0)
        return RestockOutcome(entry=entry, applied=True)


class ShadowPlatform:
    """`ReturnsPlatformPort` that reads ReBound and records its writes instead of sending them."""

    def __init__(
        self,
        inner: ReturnsPlatformPort,
        log: ShadowLog,
        clock: Clock,
        to_sales_order: Callable[[Order], SalesOrder],
    ) -> None:
        self._inner = inner
        self._record = _Recorder("rebound", log, clock)
        self._to_sales_order = to_sales_order

    def sales_order_digest(self, order: Order) -> str:
        return self._inner.sales_order_digest(order)

    async def get_sales_order(self, client_order_id: str) -> SalesOrder:
        return await self._inner.get_sales_order(client_order_id)

    async def get_return(self, return_id: str) -> ReturnSnapshot:
        return await self._inner.get_return(return_id)

    def returns_changed_since(
        self, since: datetime, *, page_size: int = 200
    ) -> AsyncIterator[ReturnSnapshot]:
        return self._inner.returns_changed_since(since, page_size=page_size)

    def events_since(self, since: datetime, *, page_size: int = 200) -> AsyncIterator[ReturnEvent]:
        return self._inner.events_since(since, page_size=page_size)

    async def upsert_sales_order(self, order: Order) -> UpsertResult:
        sales_order = self._to_sales_order(order)
        await self._record("upsert_sales_order", sales_order=sales_order)
        try:
            await self._inner.get_sales_order(sales_order.clientOrderId)
        except NotFoundError:
            return UpsertResult(UpsertOutcome.CREATED, sales_order)
        return UpsertResult(UpsertOutcome.UPDATED, sales_order)

    async def acknowledge(self, return_id: str, ack: Acknowledgement, *, idempotency_key: str) -> None:
        await self._record("acknowledge", return_id=return_id, ack=ack, idempotency_key=idempotency_key)
