"""After the money moved (or as store credit): item payment states, then ONE unit of work for the
ledger, the pending credit, the case and the acknowledgement to ReBound."""

from __future__ import annotations

import msgspec

from app.core import keys
from app.core.cases import StoredCase, load, to_record
from app.core.context import FlowContext
from app.core.messages import AckLine, AcknowledgeReturn, outbox_message
from app.core.notes import note
from app.core.refund_ledger import RefundBreakdown, breakdown
from app.refunds.compare import Comparison
from domain.money import Money
from domain.order import Order
from domain.refunds import RefundCalculation
from domain.returns import CaseItem, RefundSucceeded, transition
from ports.ledgers import PendingCredit, Refund, RefundOutcome, RefundState
from ports.unit_of_work import UnitOfWork

SETTLED_BY_A_REFUND = ("refund_mismatch", "missing_payment", "refund_failed", "received_not_refunded")


class RefundPlan(msgspec.Struct, frozen=True, kw_only=True):
    interaction_id: str
    calc: RefundCalculation
    due: list[tuple[CaseItem, int]]
    outcome: RefundOutcome | None
    """None for an exchange: no money moves."""
    proposal_outcome: str
    payment_id: str | None
    comparison: Comparison
    adjustment_minor: int = 0
    """What finance approved beyond Backflow's figure (ReBound's amount approved); 0 otherwise."""

    @property
    def amount(self) -> Money:
        """What is paid: Backflow's figure, plus an approved adjustment."""
        return Money.minor(self.calc.total.minor_units + self.adjustment_minor, self.calc.currency)

    def with_payment(self, payment_id: str) -> RefundPlan:
        return msgspec.structs.replace(self, payment_id=payment_id)

    def items_by_line(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for item, _ in self.due:
            found[item.line_id] = (*found.get(item.line_id, ()), item.rebound_item_id)
        return found

    def ledger_row(self, return_id: str, parts: RefundBreakdown, state: RefundState) -> Refund:
        assert self.outcome is not None
        return Refund(
            interaction_id=self.interaction_id,
            return_id=return_id,
            lines=msgspec.json.encode(parts),
            amount_minor=self.amount.minor_units,
            currency=self.calc.currency,
            payment_id=self.payment_id,
            outcome=self.outcome,
            state=state,
        )


async def settle_refund(ctx: FlowContext, plan: RefundPlan, stored: StoredCase, order: Order) -> None:
    rid = stored.case.return_id
    with ctx.tracer.start_as_current_span("issue_refund.payment_states"):
        for item, _ in plan.due:  # idempotent: an item already Refunded is not written again
            await ctx.commerce.set_return_payment_state(
                order.id, keys.return_item_key(item.rebound_item_id), "Refunded"
            )
    async with ctx.unit_of_work() as uow:
        record = await uow.returns.get(rid)
        if record is None:
            return
        current = load(record)
        if plan.outcome is not None:
            uow.refunds.record(
                plan.ledger_row(
                    rid,
                    breakdown(plan.calc, plan.items_by_line(), plan.adjustment_minor),
                    RefundState.RECORDED,
                )
            )
            uow.refunds.set_state(plan.interaction_id, RefundState.RECORDED)  # a planned row becomes recorded
        await _release_credit(uow, ctx, rid, plan)
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
            to_record(msgspec.structs.replace(current, case=result.case), record, ctx.clock.now())
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
            ctx,
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
        await uow.commit()


async def _release_credit(uow: UnitOfWork, ctx: FlowContext, rid: str, plan: RefundPlan) -> None:
    """The pending credit shrinks by what was refunded; released once nothing is owed any more."""
    currency = plan.calc.currency
    posted = next((c for c in await uow.credits.for_return(rid) if c.currency == currency), None)
    if posted is None:
        return
    remaining = posted.amount_minor - plan.amount.minor_units
    if remaining > 0:
        uow.credits.post(
            PendingCredit(return_id=rid, currency=currency, amount_minor=remaining, posted_at=ctx.clock.now())
        )
    else:
        uow.credits.release(rid, currency)
