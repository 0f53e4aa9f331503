"""Refund: gated on the warehouse receipt, recomputed from the latest order, compared with ReBound's
proposal; only then money moves (a Refund transaction, or store credit), once per interaction id."""

from __future__ import annotations

from app.core import keys
from app.core.cases import StoredCase, load
from app.core.context import FlowContext
from app.core.messages import decode_payload
from app.core.notes import note_now
from app.core.problems import raise_problem, retry_action
from app.core.refund_ledger import breakdown, prior_refunds, shipping_policy, shipping_refunded
from app.refunds.compare import Comparison, compare
from app.refunds.mismatch import record_mismatch
from app.refunds.settle import RefundPlan, settle_refund
from domain.commands import IssueRefund
from domain.errors import BusinessRuleBroken, DomainError
from domain.money import Money
from domain.order import Order
from domain.paid import paid_lines
from domain.refunds import ReturnedUnits, calculate_refund
from domain.return_snapshot import RefundProposal
from domain.returns import CaseItem, Position
from ports.decisions import Decision, RefundDecision
from ports.errors import PortError, TransientError
from ports.exceptions import Severity
from ports.ledgers import RefundOutcome, RefundState
from ports.outbox import OutboxRow

PAYABLE = (Position.REFUND_PENDING, Position.HELD_FOR_FINANCE, Position.REFUNDED)
_OUTCOMES = {
    "ORIGINAL_PAYMENT": RefundOutcome.ORIGINAL_PAYMENT,
    "STORE_CREDIT": RefundOutcome.STORE_CREDIT,
    "GIFT_CARD": RefundOutcome.STORE_CREDIT,  # a gift card is store credit: no payment transaction
    "EXCHANGE": None,  # no money moves
}


def units_due(items: tuple[CaseItem, ...], early: bool) -> list[tuple[CaseItem, int]]:
    """Units not refunded yet: received ones, or expected ones when the milestone pays early."""
    due = []
    for item in items:
        base = item.quantity_expected if early else item.quantity_received
        if item.line_id and base - item.refunded_quantity > 0:
            due.append((item, base - item.refunded_quantity))
    return due


async def issue_refund(row: OutboxRow, ctx: FlowContext) -> None:
    command = decode_payload(row, IssueRefund)
    rid = command.return_id
    with ctx.tracer.start_as_current_span("issue_refund", attributes={"return.id": rid}):
        async with ctx.unit_of_work() as reads:
            record = await reads.returns.get(rid)
        if record is None:
            return
        stored = load(record)
        case = stored.case
        proposal = stored.snapshot.refund if stored.snapshot else None
        if case.position not in PAYABLE or case.order_id is None or proposal is None:
            await note_now(
                ctx,
                rid,
                source="backflow",
                action="refund",
                outcome="skipped",
                detail={"position": case.position, "proposal": proposal is not None},
            )
            return
        early = proposal.milestone in ctx.settings.file.policies.refund_before_receipt_milestones
        due = units_due(case.items, early)
        if not due:
            await note_now(
                ctx,
                rid,
                source="backflow",
                action="refund",
                outcome="held",
                detail={"reason": "no received units to refund yet", "milestone": proposal.milestone},
                order_ref=case.order_id,
            )
            return
        with ctx.tracer.start_as_current_span("issue_refund.fetch_order"):
            order = await ctx.commerce.get_order(case.order_id)  # the latest: never cached figures
        await _refund(ctx, row, command, stored, order=order, proposal=proposal, due=due)


async def _refund(
    ctx: FlowContext,
    row: OutboxRow,
    command: IssueRefund,
    stored: StoredCase,
    *,
    order: Order,
    proposal: RefundProposal,
    due: list[tuple[CaseItem, int]],
) -> None:
    rid = command.return_id
    retry = retry_action(command, row.idempotency_key)
    async with ctx.unit_of_work() as reads:
        prior = await prior_refunds(reads, order.id)
        shipped = await shipping_refunded(reads, order.id, order.currency)
        this_return = await reads.refunds.for_return(rid)
        decisions = await reads.decisions.for_trigger(rid, command.sequence)
    units = [ReturnedUnits(line_id=item.line_id, quantity=n, sku=item.sku) for item, n in due]
    try:
        calc = calculate_refund(order, units, prior, policy=shipping_policy(ctx), shipping_refunded=shipped)
    except BusinessRuleBroken as broken:
        await _failed(ctx, rid, order, {"rule": broken.rule, "message": broken.message}, retry)
        return
    recorded = [r for r in this_return if r.state is RefundState.RECORDED]
    tolerance = ctx.settings.file.policies.refund_rounding_tolerance_minor
    net_lines = frozenset(line.line_id for line in paid_lines(order) if not line.tax_included)
    comparison = compare(calc, proposal, recorded, tolerance, net_lines=net_lines)
    decided = decisions[-1] if decisions else None
    if decided is not None and decided.decision is Decision.REJECT:
        await note_now(
            ctx,
            rid,
            source="backflow",
            action="refund",
            outcome="rejected by finance",
            detail={"sequence": command.sequence, "actor": decided.actor},
            order_ref=order.id,
        )
        return
    adjustment = 0
    if not comparison.within_tolerance:
        if decided is None or not decided_on_these_figures(decided, comparison):
            await record_mismatch(ctx, stored, order, proposal=proposal, comparison=comparison, retry=retry)
            return
        if decided.decision is Decision.APPROVE_REBOUND:
            adjustment = decided.rebound_total_minor - decided.backflow_total_minor
        if calc.total.minor_units + adjustment <= 0:
            await _failed(ctx, rid, order, {"message": "the approved amount is not positive"}, retry)
            return
    if proposal.outcome not in _OUTCOMES:
        await _failed(ctx, rid, order, {"message": f"unknown refund outcome {proposal.outcome!r}"}, retry)
        return
    planned = next((r for r in this_return if r.state is RefundState.PLANNED), None)
    interaction_id = planned.interaction_id if planned else keys.refund_interaction_id(rid, command.sequence)
    plan = RefundPlan(
        interaction_id=interaction_id,
        calc=calc,
        due=due,
        outcome=_OUTCOMES[proposal.outcome],
        proposal_outcome=proposal.outcome,
        payment_id=None,
        comparison=comparison,
        adjustment_minor=adjustment,
    )
    if plan.outcome is RefundOutcome.ORIGINAL_PAYMENT:
        paid = await _pay_original(
            ctx, row, plan, stored, order=order, retry=retry, already_planned=planned is not None
        )
        if paid is None:
            return
        plan = paid
    await settle_refund(ctx, plan, stored, order)


def decided_on_these_figures(decided: RefundDecision, comparison: Comparison) -> bool:
    """A decision holds only for the figures finance saw: a changed order or proposal needs a new one."""
    currency = comparison.currency
    try:
        ours = Money.parse(comparison.backflow_total, currency).minor_units
        theirs = Money.parse(comparison.rebound_total, currency).minor_units
    except DomainError:
        return False
    return (decided.currency, decided.backflow_total_minor, decided.rebound_total_minor) == (
        currency,
        ours,
        theirs,
    )


async def _pay_original(
    ctx: FlowContext,
    row: OutboxRow,
    plan: RefundPlan,
    stored: StoredCase,
    *,
    order: Order,
    retry: dict[str, object],
    already_planned: bool,
) -> RefundPlan | None:
    rid = stored.case.return_id
    with ctx.tracer.start_as_current_span("issue_refund.find_payment"):
        payment = await ctx.commerce.find_order_payment(order.id)
    if payment is None:
        async with ctx.unit_of_work() as uow:
            raise_problem(
                uow,
                ctx,
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
            await uow.commit()
        await note_now(
            ctx, rid, source="commercetools", action="find payment", outcome="exception", order_ref=order.id
        )
        return None
    plan = plan.with_payment(payment.id)
    if not already_planned:  # the ledger knows the interaction id before commercetools does
        async with ctx.unit_of_work() as uow:
            uow.refunds.record(
                plan.ledger_row(
                    rid,
                    breakdown(plan.calc, plan.items_by_line(), plan.adjustment_minor),
                    RefundState.PLANNED,
                )
            )
            await uow.commit()
    try:
        with ctx.tracer.start_as_current_span("issue_refund.add_refund"):
            await ctx.commerce.add_refund(payment.id, plan.amount, plan.interaction_id)
    except TransientError:
        if row.attempts >= ctx.settings.file.policies.refund_failure_attempts:
            await _failed(
                ctx, rid, order, {"message": "commercetools kept failing", "attempts": row.attempts}, retry
            )
        raise
    except PortError as error:  # refused: retrying the same request cannot help
        await _failed(ctx, rid, order, {"message": error.message, "codes": list(error.codes)}, retry)
        async with ctx.unit_of_work() as uow:
            uow.refunds.set_state(plan.interaction_id, RefundState.FAILED)
            await uow.commit()
        return None
    return plan


async def _failed(
    ctx: FlowContext, rid: str, order: Order, detail: dict[str, object], retry: dict[str, object]
) -> None:
    async with ctx.unit_of_work() as uow:
        raise_problem(
            uow,
            ctx,
            "refund_failed",
            dedupe_key=f"refund_failed:{rid}",
            severity=Severity.ERROR,
            return_id=rid,
            order_ref=order.id,
            retry=retry,
            evidence={"order_id": order.id, "order_version": order.version, **detail},
        )
        await uow.commit()
    await note_now(
        ctx, rid, source="backflow", action="refund", outcome="failed", detail=detail, order_ref=order.id
    )
