"""Payments: the order's payment, Refund transactions keyed by `interactionId`, transaction states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

import msgspec

from backflow.adapters.commercetools.http import CommercetoolsHttp
from backflow.adapters.commercetools.orders import Orders
from backflow.adapters.commercetools.updates import Actions, update_body, update_versioned
from backflow.domain.money import Money
from backflow.domain.order import ORDER_DECODER, Order
from backflow.ports.commerce_types import Payment, Transaction, TransactionState
from backflow.ports.errors import NotFoundError

_DECODE_PAYMENT = msgspec.json.Decoder(Payment)


class _ExpandedRef(msgspec.Struct):
    id: str
    obj: Payment | None = None


class _PaymentInfo(msgspec.Struct):
    payments: list[_ExpandedRef] = []


class _OrderPayments(msgspec.Struct):
    paymentInfo: _PaymentInfo | None = None  # commercetools field names are camelCase


_DECODE_ORDER_PAYMENTS = msgspec.json.Decoder(_OrderPayments)


def _has_charge(payment: Payment) -> bool:
    return any(t.type == "Charge" and t.state == "Success" for t in payment.transactions)


class Payments:
    def __init__(self, http: CommercetoolsHttp, orders: Orders) -> None:
        self._http = http
        self._orders = orders

    async def get(self, payment_id: str) -> Payment:
        return _DECODE_PAYMENT.decode(await self._http.get(f"/payments/{quote(payment_id, safe='')}"))

    async def find_for_order(self, order_id: str) -> Payment | None:
        return await self._pick(await self._orders.get_raw(order_id, expand_payments=True))

    async def order_and_payment(self, order_id: str) -> tuple[Order, Payment | None]:
        """One read with the payments expanded serves both the order and its payment."""
        raw = await self._orders.get_raw(order_id, expand_payments=True)
        return self._orders.remember(ORDER_DECODER.decode(raw)), await self._pick(raw)

    async def _pick(self, raw: bytes) -> Payment | None:
        """The first payment holding a Charge, else the first; None without one."""
        info = _DECODE_ORDER_PAYMENTS.decode(raw).paymentInfo
        if info is None or not info.payments:
            return None
        payments = [ref.obj if ref.obj is not None else await self.get(ref.id) for ref in info.payments]
        return next((p for p in payments if _has_charge(p)), payments[0])

    async def for_order(self, order_id: str) -> list[Payment]:
        raw = await self._orders.get_raw(order_id, expand_payments=True)
        info = _DECODE_ORDER_PAYMENTS.decode(raw).paymentInfo
        if info is None:
            return []
        return [ref.obj if ref.obj is not None else await self.get(ref.id) for ref in info.payments]

    async def add_refund(
        self,
        payment_id: str,
        amount: Money,
        interaction_id: str,
        state: TransactionState,
        current: Payment | None = None,
    ) -> Transaction:
        """Once per `interaction_id`: the plan looks for it on the payment as read (or as `current`
        holds it), so an existing refund is returned without a write and without a query of its own."""
        if current is not None and current.id != payment_id:
            raise ValueError(f"payment {current.id} given for {payment_id}")
        cents = amount.minor_units  # raises when the amount has no exact minor-unit value
        if cents <= 0:
            raise ValueError(f"a refund is a positive amount, not {amount}")
        transaction = {
            "type": "Refund",
            "amount": {"currencyCode": amount.currency, "centAmount": cents},
            "state": state,
            "interactionId": interaction_id,
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }

        def plan(payment: Payment) -> Actions | None:
            # Re-checked on every round: a lost response may already have added it.
            if payment.transaction_by_interaction(interaction_id, "Refund") is not None:
                return None
            return [{"action": "addTransaction", "transaction": transaction}]

        payment = await self._update(payment_id, plan, current)
        found = payment.transaction_by_interaction(interaction_id, "Refund")
        if found is None:
            raise NotFoundError(f"refund {interaction_id} missing on payment {payment_id} after adding it")
        return found

    async def change_transaction_state(
        self, payment_id: str, transaction_id: str, state: TransactionState
    ) -> Transaction:
        def current(payment: Payment) -> Transaction:
            found = next((t for t in payment.transactions if t.id == transaction_id), None)
            if found is None:
                raise NotFoundError(f"payment {payment_id} has no transaction {transaction_id}", status=404)
            return found

        def plan(payment: Payment) -> Actions | None:
            if current(payment).state == state:
                return None
            return [{"action": "changeTransactionState", "transactionId": transaction_id, "state": state}]

        return current(await self._update(payment_id, plan))

    async def _update(
        self, payment_id: str, plan: Callable[[Payment], Actions | None], current: Payment | None = None
    ) -> Payment:
        path = f"/payments/{quote(payment_id, safe='')}"

        async def send(version: int, actions: Actions) -> Payment:
            return _DECODE_PAYMENT.decode(await self._http.post(path, update_body(version, actions)))

        return await update_versioned(
            lambda: self.get(payment_id),
            plan,
            send,
            attempts=self._http.config.conflict_attempts,
            current=current,
        )
