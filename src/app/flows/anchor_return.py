"""Anchoring a return to its commercetools order: find it, validate every item, write return info,
post the pending credit. An order not there yet holds the return; past the horizon it is an orphan."""

from __future__ import annotations

import weakref

import anyio
import msgspec

from app.flows import keys
from app.flows.cases import StoredCase, load, snapshot_item, to_record
from app.flows.context import FlowContext
from app.flows.follow_up import stage_due_on_anchoring
from app.flows.notes import note
from app.flows.payloads import decode_payload
from app.flows.problems import raise_problem, retry_action
from app.flows.reasons import mapped_reason, unmapped_dedupe_key
from app.flows.refund_ledger import prior_refunds, shipping_policy
from app.flows.return_validation import returnable, validate_items
from domain.commands import AnchorReturn
from domain.errors import BusinessRuleBroken
from domain.order import Order
from domain.refunds import RefundCalculation, ReturnedUnits, calculate_refund
from domain.returns import CaseItem, OrderFound, Position, ReturnCase, transition
from ports.commerce_types import ReturnItemRequest
from ports.errors import ConflictError, NotFoundError
from ports.exceptions import Severity
from ports.ledgers import PendingCredit
from ports.outbox import OutboxRow
from ports.return_cases import ReturnCaseRecord

FIND_ORDER = "find order"
CASE_WRITE_ATTEMPTS = 3
"""Commits of the anchored case on a stale version before the row fails into the outbox's backoff."""

# Validation reads the order's return items, then the write adds ours: two returns of one order
# anchored at once would both pass. One daemon process owns the outbox, so a lock per order
# (dropped once nobody holds it) makes read-validate-write one step.
_ORDER_LOCKS: weakref.WeakValueDictionary[str, anyio.Lock] = weakref.WeakValueDictionary()


def _order_lock(client_order_id: str) -> anyio.Lock:
    lock = _ORDER_LOCKS.get(client_order_id)
    if lock is None:
        lock = _ORDER_LOCKS[client_order_id] = anyio.Lock()
    return lock


async def anchor_return(row: OutboxRow, ctx: FlowContext) -> None:
    command = decode_payload(row, AnchorReturn)
    with ctx.tracer.start_as_current_span("anchor_return", attributes={"return.id": command.return_id}):
        async with _order_lock(command.client_order_id):
            await _anchor_once(ctx, row, command)


async def _anchor_once(ctx: FlowContext, row: OutboxRow, command: AnchorReturn) -> None:
    async with ctx.unit_of_work() as reads:
        record = await reads.returns.get(command.return_id)
    if record is None or record.state != Position.AWAITING_ORDER:
        return  # unknown, or anchored already by an earlier attempt
    stored = load(record)
    with ctx.tracer.start_as_current_span("anchor_return.find_order"):
        order = await _find_order(ctx, stored.case.client_order_id)
    if order is None:
        await _hold(ctx, command, row, record)
        return
    problems = validate_items(order, stored.case)
    if problems:
        await _mismatch(ctx, command, row, record, order=order, problems=problems)
        return
    async with ctx.unit_of_work() as reads:
        prior = await prior_refunds(reads, order.id)
    expected = [
        ReturnedUnits(line_id=i.line_id, quantity=i.quantity_expected, sku=i.sku)
        for i in returnable(stored.case)
    ]
    try:
        credit = calculate_refund(order, expected, prior, policy=shipping_policy(ctx))
    except BusinessRuleBroken as broken:
        problem = {"item": "*", "rule": broken.rule, "message": broken.message}
        await _mismatch(ctx, command, row, record, order=order, problems=[problem])
        return
    await _anchor(ctx, record, stored, order, credit)


async def _find_order(ctx: FlowContext, client_order_id: str) -> Order | None:
    """By order number (ReBound's clientOrderId), else by id; None while it does not exist (yet)."""
    try:
        return await ctx.commerce.get_order_by_number(client_order_id)
    except NotFoundError:
        pass
    try:
        return await ctx.commerce.get_order(client_order_id)
    except NotFoundError:
        return None


async def _hold(ctx: FlowContext, command: AnchorReturn, row: OutboxRow, record: ReturnCaseRecord) -> None:
    waited = (ctx.clock.now() - record.created_at).total_seconds()
    horizon = ctx.settings.file.policies.orphan_horizon_seconds
    # The held-returns job looks on every tick; the timeline records a change (held, then orphan).
    outcome = "orphan" if waited > horizon else "held"
    last = await ctx.timeline.latest(command.return_id, action=FIND_ORDER)
    async with ctx.unit_of_work() as uow:
        detail = {
            "client_order_id": command.client_order_id,
            "waited_seconds": round(waited),
            "horizon": horizon,
        }
        if last is None or last.outcome != outcome:
            note(
                uow,
                ctx,
                command.return_id,
                source="commercetools",
                action=FIND_ORDER,
                outcome=outcome,
                detail=detail,
                order_ref=command.client_order_id,
            )
        if waited > horizon:
            raise_problem(
                uow,
                ctx,
                "orphan_return",
                dedupe_key=f"orphan_return:{command.return_id}",
                severity=Severity.ERROR,
                return_id=command.return_id,
                order_ref=command.client_order_id,
                evidence={
                    **detail,
                    "looked_up": ["orderNumber", "id"],
                    "return_created_at": record.created_at.isoformat(),
                },
                retry=retry_action(command, row.idempotency_key),
            )
        await uow.commit()


async def _mismatch(
    ctx: FlowContext,
    command: AnchorReturn,
    row: OutboxRow,
    record: ReturnCaseRecord,
    *,
    order: Order,
    problems: list[dict[str, str]],
) -> None:
    async with ctx.unit_of_work() as uow:
        evidence = {
            "order_id": order.id,
            "order_version": order.version,
            "order_number": order.orderNumber,
            "problems": problems,
        }
        note(
            uow,
            ctx,
            command.return_id,
            source="backflow",
            action="validate items against order",
            outcome="exception",
            detail=evidence,
            order_ref=order.id,
        )
        raise_problem(
            uow,
            ctx,
            "return_order_mismatch",
            dedupe_key=f"return_order_mismatch:{command.return_id}",
            severity=Severity.ERROR,
            return_id=command.return_id,
            order_ref=order.id,
            evidence=evidence,
            retry=retry_action(command, row.idempotency_key),
        )
        # Found but refused: remember the order so the held-returns sweep stops re-trying it.
        uow.returns.update(msgspec.structs.replace(record, ct_order_id=order.id))
        await uow.commit()


def _item_request(
    ctx: FlowContext, order: Order, stored: StoredCase, item: CaseItem
) -> tuple[ReturnItemRequest, str | None]:
    """The return item draft, and the raw reason code when it has no mapping (kept in the comment)."""
    raw = snapshot_item(stored, item.rebound_item_id) or None
    reason_code = raw.reasonCode if raw else None
    reason = mapped_reason(ctx, reason_code)
    unmapped = reason_code if reason_code is not None and reason is None else None
    on_line = order.line_item(item.line_id) is not None
    request = ReturnItemRequest(
        key=keys.return_item_key(item.rebound_item_id),
        quantity=item.quantity_expected,
        line_item_id=item.line_id if on_line else None,
        custom_line_item_id=None if on_line else item.line_id,
        comment=f"ReBound reason (unmapped): {unmapped}" if unmapped else None,
        reason=reason,
    )
    return request, unmapped


async def _anchor(
    ctx: FlowContext, record: ReturnCaseRecord, stored: StoredCase, order: Order, credit: RefundCalculation
) -> None:
    case = stored.case
    drafts = [_item_request(ctx, order, stored, item) for item in returnable(case)]
    with ctx.tracer.start_as_current_span("anchor_return.add_return_info"):
        await ctx.commerce.add_return_info(
            order.id, [request for request, _ in drafts], return_tracking_id=case.return_id
        )
    # The inbox processor may update the case while commercetools answers (a return's webhooks come
    # together); the commit then fails on the stale version. The case move is a pure function of the
    # stored case and the order found, so the loser re-reads and re-applies at once, a bounded number
    # of times, instead of failing the row into the outbox's backoff and calling commercetools again.
    for attempt in range(1, CASE_WRITE_ATTEMPTS + 1):
        try:
            await _record_anchoring(ctx, record, stored, order=order, credit=credit, drafts=drafts)
            return
        except ConflictError:
            if attempt == CASE_WRITE_ATTEMPTS:
                raise
            async with ctx.unit_of_work() as reads:
                fresh = await reads.returns.get(case.return_id)
            if fresh is None or fresh.state != Position.AWAITING_ORDER:
                return  # anchored or closed meanwhile: what a retry of the row would find too
            fresh_stored = load(fresh)
            if _anchored_items(fresh_stored.case) != _anchored_items(case):
                raise  # the items changed: the return info and credit need the whole anchoring again
            record, stored = fresh, fresh_stored


def _anchored_items(case: ReturnCase) -> list[tuple[str, str, int]]:
    """What the return info and the pending credit were computed from."""
    return [(i.rebound_item_id, i.line_id, i.quantity_expected) for i in returnable(case)]


async def _record_anchoring(
    ctx: FlowContext,
    record: ReturnCaseRecord,
    stored: StoredCase,
    *,
    order: Order,
    credit: RefundCalculation,
    drafts: list[tuple[ReturnItemRequest, str | None]],
) -> None:
    """One unit of work: the pending credit, the case anchored (from `record`, the version read),
    its follow-ups and notes. Raises ConflictError, applying nothing, when `record` is stale."""
    case = stored.case
    async with ctx.unit_of_work() as uow:
        uow.credits.post(
            PendingCredit(
                return_id=case.return_id,
                currency=credit.currency,
                amount_minor=credit.total.minor_units,
                posted_at=ctx.clock.now(),
            )
        )
        unmapped = dict(stored.unmapped_reasons)
        for request, raw in drafts:
            if raw is None:
                continue
            item_id = next(
                i.rebound_item_id
                for i in case.items
                if keys.return_item_key(i.rebound_item_id) == request.key
            )
            unmapped[item_id] = raw
            raise_problem(
                uow,
                ctx,
                "unmapped_reason_code",
                dedupe_key=unmapped_dedupe_key(raw),
                severity=Severity.INFO,
                return_id=case.return_id,
                order_ref=order.id,
                evidence={
                    "reason_code": raw,
                    "return_id": case.return_id,
                    "rebound_item_id": item_id,
                    "kept_in": "return item comment",
                    "refund_blocked": False,
                },
            )
        for kind in ("orphan_return", "return_order_mismatch"):  # anchored now: those problems are over
            uow.exceptions.resolve_key(
                f"{kind}:{case.return_id}", actor="backflow", note=f"anchored to order {order.id}"
            )
        result = transition(case, OrderFound(order_id=order.id))
        staged = stage_due_on_anchoring(uow, result.case, result.events)
        uow.returns.update(
            to_record(
                StoredCase(case=result.case, snapshot=stored.snapshot, unmapped_reasons=unmapped),
                record,
                ctx.clock.now(),
            )
        )
        note(
            uow,
            ctx,
            case.return_id,
            source="commercetools",
            action="addReturnInfo",
            outcome="ok",
            detail={
                "order_id": order.id,
                "items": [r.key for r, _ in drafts],
                "unmapped": sorted(set(unmapped.values())),
            },
            order_ref=order.id,
        )
        note(
            uow,
            ctx,
            case.return_id,
            source="backflow",
            action="pending credit posted",
            outcome="ok",
            detail={
                "amount": credit.total.to_decimal_string(),
                "currency": credit.currency,
                "staged": staged,
            },
            order_ref=order.id,
        )
        await uow.commit()
