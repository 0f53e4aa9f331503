"""Scheduled: Backflow's refund ledger against the `Refund` transactions on the orders' payments.

Missing (recorded by Backflow, absent on the payment), different amount, and extra (a Refund on a
payment of an order with a Backflow return that Backflow's ledger does not know: a manual refund, or
one Backflow lost track of) each become one `refund_drift` exception for finance.
"""

from __future__ import annotations

from datetime import timedelta

from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import MonitorPolicy
from backflow.app.core.problems import raise_exception
from backflow.domain.money import Money
from backflow.ports.commerce import CommercePort
from backflow.ports.commerce_types import Transaction
from backflow.ports.exceptions import Severity
from backflow.ports.ledgers import Refund, RefundOutcome, RefundState
from backflow.ports.reports import ReportSource
from backflow.ports.unit_of_work import UnitOfWork

MAX_ORDERS = 2000


async def check_refund_drift(
    *, store: StoreDeps, commerce: CommercePort, reports: ReportSource, monitor_policy: MonitorPolicy
) -> None:
    since = store.clock.now() - timedelta(seconds=monitor_policy.drift_lookback_seconds)
    orders = await reports.orders_touched_since(since, limit=MAX_ORDERS)
    with store.tracer.start_as_current_span("monitor.refund_drift", attributes={"orders": len(orders)}):
        for order_id in orders:
            async with store.unit_of_work() as uow:
                returns = sorted({case.return_id for case in await uow.returns.by_order(order_id)})
                before = await _ledger(uow, returns)
            payments = await commerce.order_payments(order_id)
            on_payments = {
                t.interactionId or t.id: (payment.id, t)
                for payment in payments
                for t in payment.transactions
                if t.type == "Refund" and t.state in ("Success", "Pending")
            }
            async with store.unit_of_work() as uow:
                # Refunds keep moving while this runs. A transaction on the payment had its ledger row
                # planned before the call, so "extra" is judged on the ledger read after the payments;
                # a row recorded after the call, so "missing" is judged on the ledger read before them.
                after = await _ledger(uow, returns)
                _compare(uow, store, order_id, before, rows_after=after, on_payments=on_payments)
                await uow.commit()


async def _ledger(uow: UnitOfWork, return_ids: list[str]) -> list[Refund]:
    return [refund for rid in return_ids for refund in await uow.refunds.for_return(rid)]


def _compare(
    uow: UnitOfWork,
    store: StoreDeps,
    order_id: str,
    rows: list[Refund],
    *,
    rows_after: list[Refund],
    on_payments: dict[str, tuple[str, Transaction]],
) -> None:
    known = {r.interaction_id for r in [*rows, *rows_after] if r.state is not RefundState.FAILED}
    for refund in rows:
        if refund.outcome is not RefundOutcome.ORIGINAL_PAYMENT or refund.state is not RefundState.RECORDED:
            continue
        booked = Money.minor(refund.amount_minor, refund.currency)
        found = on_payments.get(refund.interaction_id)
        if found is None:
            _drift(
                uow,
                store,
                "missing",
                refund.interaction_id,
                return_id=refund.return_id,
                order_id=order_id,
                booked=booked,
                paid=None,
                payment_id=None,
            )
            continue
        payment_id, transaction = found
        paid = transaction.amount.to_money()
        if paid.currency != booked.currency or not paid.same_value(booked):
            _drift(
                uow,
                store,
                "amount",
                refund.interaction_id,
                return_id=refund.return_id,
                order_id=order_id,
                booked=booked,
                paid=paid,
                payment_id=payment_id,
            )
    for key, (payment_id, transaction) in on_payments.items():
        if key not in known:
            paid = transaction.amount.to_money()
            _drift(
                uow,
                store,
                "extra",
                key,
                return_id=None,
                order_id=order_id,
                booked=None,
                paid=paid,
                payment_id=payment_id,
            )


def _drift(
    uow: UnitOfWork,
    store: StoreDeps,
    kind: str,
    key: str,
    *,
    return_id: str | None,
    order_id: str,
    booked: Money | None,
    paid: Money | None,
    payment_id: str | None,
) -> None:
    raise_exception(
        uow,
        store,
        "refund_drift",
        dedupe_key=f"refund_drift:{kind}:{key}",
        severity=Severity.ERROR,
        return_id=return_id,
        order_ref=order_id,
        evidence={
            "finding": {"missing": "missing on the payment", "amount": "different amount", "extra": "extra"}[
                kind
            ],
            "interaction_id": key,
            "order_id": order_id,
            "payment_id": payment_id,
            "ledger_amount": None if booked is None else booked.to_decimal_string(),
            "payment_amount": None if paid is None else paid.to_decimal_string(),
            "currency": next((m.currency for m in (booked, paid) if m is not None), None),
        },
    )
