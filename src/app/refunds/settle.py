"""Settle a refund the comparison allows: pay the original payment (its ledger row PLANNED before
commercetools hears of it), mark the items Refunded, then ONE unit of work for the ledger, the pending
credit, the case and the acknowledgement to ReBound. A refund that cannot be made ends here too
(`refund_failed` or `missing_payment`, with its timeline entry, in one unit of work)."""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.cases import StoredCase, load, to_record
from backflow.app.core.completion import complete_in
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import AckLine, AcknowledgeReturn, outbox_message
from backflow.app.core.notes import note
from backflow.app.core.policies import RefundPolicy
from backflow.app.core.problems import raise_exception
from backflow.app.refunds.compare import RefundPlan
from backflow.domain.order import Order, ReturnPaymentState
from backflow.domain.returns import RefundSucceeded, transition
from backflow.ports.commerce import CommercePort
from backflow.ports.commerce_types import Payment
from backflow.ports.errors import PortError, TransientError
from backflow.ports.exceptions import Severity
from backflow.ports.ledgers import PendingCredit, RefundOutcome, RefundState
from backflow.ports.outbox import OutboxRow
from backflow.ports.unit_of_work import UnitOfWork

SETTLED_BY_A_REFUND = ("refund_mismatch", "missing_payment", "refund_failed", "received_not_refunded")


async def settle_refund(
    plan: RefundPlan,
    stored: StoredCase,
    order: Order,
    payment: Payment | None,
    *,
    attempts: int,
    retry: dict[str, object],
    store: StoreDeps,
    commerce: CommercePort,
    refund_policy: RefundPolicy,
    completing: OutboxRow | None = None,
) -> RowCompleted | None:
    """`payment`: the order's payment, read with the order; `attempts`: of the outbox row (a transient
    failure past the policy's attempts is raised); `completing`: the row the refund's record completes."""
    if plan.outcome is RefundOutcome.ORIGINAL_PAYMENT:
        paid = await _pay_original(
            plan,
            stored,
            order,
            payment,
            attempts=attempts,
            retry=retry,
            store=store,
            commerce=commerce,
            policy=refund_policy,
        )
        if paid is None:
            return None
        plan = paid
    rid = stored.case.return_id
    with store.tracer.start_as_current_span("issue_refund.payment_states"):
        # One request for every item, on the version of the fresh read (a payment write leaves the
        # order's version alone); idempotent: an item already Refunded is not written again.
        refunded: dict[str, ReturnPaymentState] = {
            keys.return_item_key(item.rebound_item_id): "Refunded" for item, _ in plan.due
        }
        await commerce.set_return_payment_states(order.id, refunded, current=order)
    async with store.unit_of_work() as uow:
        record = await uow.returns.get(rid)
        if record is None:
            return None
        current = load(record)
        if plan.outcome is not None:
            uow.refunds.record(plan.ledger_row(rid, RefundState.RECORDED))
            uow.refunds.set_state(plan.interaction_id, RefundState.RECORDED)  # a planned row becomes recorded
        await _release_credit(uow, store, rid, plan)
        for kind in SETTLED_BY_A_REFUND:  # the problems this refund answers are over
            uow.exceptions.resolve_key(
                f"{kind}:{rid}", actor="backflow", note=f"refunded {plan.amount} ({plan.interaction_id})"
            )
        quantities = {item.rebound_item_id: n for item, n in plan.due}
        result = transition(
            current.case,
            RefundSucceeded(amount=plan.amount, reference=plan.interaction_id, quantities=quantities),
        )
        uow.returns.update(
            to_record(msgspec.structs.replace(current, case=result.case), record, store.clock.now())
        )
        ack = AcknowledgeReturn(
            return_id=rid,
            ack_type="REFUNDED",
            lines=tuple(
                AckLine(
                    client_item_id=line.line_id, quantity=line.quantity, amount=line.gross.to_decimal_string()
                )
                for line in plan.calc.lines
            ),
            amount=plan.amount.to_decimal_string(),
            currency=plan.calc.currency,
            reference=plan.interaction_id,
        )
        uow.outbox.add(outbox_message(ack, keys.ack_key(rid, "REFUNDED", plan.interaction_id)))
        note(
            uow,
            store,
            rid,
            source="commercetools" if plan.payment_id else "backflow",
            action=f"refund recorded ({plan.proposal_outcome})",
            outcome="ok",
            order_ref=order.id,
            detail={
                "interaction_id": plan.interaction_id,
                "amount": plan.amount.to_decimal_string(),
                "currency": plan.calc.currency,
                "adjustment_minor": plan.adjustment_minor,
                "payment_id": plan.payment_id,
                "order_version": order.version,
                "lines": msgspec.to_builtins(plan.comparison.lines),
                "outcome": result.outcome.value,
            },
        )
        done = complete_in(uow, completing)
        await uow.commit()
    return done


async def _pay_original(
    plan: RefundPlan,
    stored: StoredCase,
    order: Order,
    payment: Payment | None,
    *,
    attempts: int,
    retry: dict[str, object],
    store: StoreDeps,
    commerce: CommercePort,
    policy: RefundPolicy,
) -> RefundPlan | None:
    """The plan with its payment once commercetools holds the refund; None when it cannot (raised)."""
    rid = stored.case.return_id
    if payment is None:
        async with store.unit_of_work() as uow:
            raise_exception(
                uow,
                store,
                "missing_payment",
                dedupe_key=f"missing_payment:{rid}",
                severity=Severity.ERROR,
                return_id=rid,
                order_ref=order.id,
                retry=retry,
                evidence={
                    "order_id": order.id,
                    "order_version": order.version,
                    "amount": plan.amount.to_decimal_string(),
                    "currency": plan.calc.currency,
                },
            )
            note(
                uow,
                store,
                rid,
                source="commercetools",
                action="find payment",
                outcome="exception",
                order_ref=order.id,
            )
            await uow.commit()
        return None
    plan = plan.with_payment(payment.id)
    if not plan.planned:  # the ledger knows the interaction id before commercetools does
        async with store.unit_of_work() as uow:
            uow.refunds.record(plan.ledger_row(rid, RefundState.PLANNED))
            await uow.commit()
    try:
        with store.tracer.start_as_current_span("issue_refund.add_refund"):
            # The payment as just read: checked for the interaction id, its version used for the write.
            await commerce.add_refund(payment.id, plan.amount, plan.interaction_id, current=payment)
    except TransientError:
        if attempts >= policy.failure_attempts:
            detail = {"message": "commercetools kept failing", "attempts": attempts}
            await fail_refund(store, rid, order, detail, retry)
        raise
    except PortError as error:  # refused: retrying the same request cannot help
        detail = {"message": error.message, "codes": list(error.codes)}
        await fail_refund(store, rid, order, detail, retry, failed_interaction=plan.interaction_id)
        return None
    return plan


async def fail_refund(
    store: StoreDeps,
    rid: str,
    order: Order,
    detail: dict[str, object],
    retry: dict[str, object],
    *,
    failed_interaction: str | None = None,
) -> None:
    """`refund_failed` for finance and its timeline entry (and a ledger row marked FAILED), at once."""
    async with store.unit_of_work() as uow:
        raise_exception(
            uow,
            store,
            "refund_failed",
            dedupe_key=f"refund_failed:{rid}",
            severity=Severity.ERROR,
            return_id=rid,
            order_ref=order.id,
            retry=retry,
            evidence={"order_id": order.id, "order_version": order.version, **detail},
        )
        note(
            uow,
            store,
            rid,
            source="backflow",
            action="refund",
            outcome="failed",
            detail=detail,
            order_ref=order.id,
        )
        if failed_interaction is not None:
            uow.refunds.set_state(failed_interaction, RefundState.FAILED)
        await uow.commit()


async def _release_credit(uow: UnitOfWork, store: StoreDeps, rid: str, plan: RefundPlan) -> None:
    """The pending credit shrinks by what was refunded; released once nothing is owed any more."""
    currency = plan.calc.currency
    posted = next((c for c in await uow.credits.for_return(rid) if c.currency == currency), None)
    if posted is None:
        return
    remaining = posted.amount_minor - plan.amount.minor_units
    if remaining > 0:
        uow.credits.post(
            PendingCredit(
                return_id=rid, currency=currency, amount_minor=remaining, posted_at=store.clock.now()
            )
        )
    else:
        uow.credits.release(rid, currency)
