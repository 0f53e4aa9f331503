"""Anchoring a return to its commercetools order: find it (the copy order sync kept, written at its
version; else a lookup), validate every item, compute the pending credit. Then the anchoring is
recorded (`anchor_recording`), or the return stays held (`anchor_holding`): an order not there yet
holds it (an orphan past the horizon), an order that does not fit it refuses it."""

from __future__ import annotations

from backflow.app.core.cases import StoredCase, load
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import decode_payload
from backflow.app.core.policies import AnchoringPolicy, ReasonsPolicy
from backflow.app.core.refund_ledger import prior_refunds
from backflow.app.core.return_validation import returnable, validate_items
from backflow.app.returns.anchor_holding import hold_return, refuse_mismatch
from backflow.app.returns.anchor_recording import StaleOrderCopy, record_anchoring
from backflow.domain.commands import AnchorReturn
from backflow.domain.errors import BusinessRuleBroken
from backflow.domain.order import Order
from backflow.domain.refunds import PriorRefund, RefundCalculation, ReturnedUnits, calculate_refund
from backflow.domain.return_case import Position
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import NotFoundError
from backflow.ports.outbox import OutboxRow
from backflow.ports.timeline import TimelineReader


async def anchor_return(
    row: OutboxRow,
    *,
    store: StoreDeps,
    commerce: CommercePort,
    timeline: TimelineReader,
    anchoring_policy: AnchoringPolicy,
    reasons_policy: ReasonsPolicy,
) -> RowCompleted | None:
    command = decode_payload(row, AnchorReturn)
    with store.tracer.start_as_current_span("anchor_return", attributes={"return.id": command.return_id}):
        # Validation reads the order's return items, then the write adds ours: two returns of one
        # order anchored at once would both pass. The row's lock key (`keys.order_lock`) makes the
        # store hand out one job per order at a time, across processes, so read-validate-write is one step.
        return await _anchor_once(
            row,
            command,
            store=store,
            commerce=commerce,
            timeline=timeline,
            anchoring_policy=anchoring_policy,
            reasons_policy=reasons_policy,
        )


async def _anchor_once(
    row: OutboxRow,
    command: AnchorReturn,
    *,
    store: StoreDeps,
    commerce: CommercePort,
    timeline: TimelineReader,
    anchoring_policy: AnchoringPolicy,
    reasons_policy: ReasonsPolicy,
) -> RowCompleted | None:
    async with store.unit_of_work() as reads:
        record = await reads.returns.get(command.return_id)
        if record is None or record.state != Position.AWAITING_ORDER:
            return None  # unknown, or anchored already by an earlier attempt
        stored = load(record)
        copy = await reads.orders.snapshot(stored.case.client_order_id)
        prior = await prior_refunds(reads, copy.id) if copy is not None else []
    if copy is not None:
        # The order as order sync last kept it: validated and written at its version, no lookup. A copy
        # that does not fit is not trusted to refuse the return (an edit may have added the line), and
        # a 409 means the order changed since (an edit, another write): both re-read below.
        planned = _plan(copy, stored, prior, anchoring_policy)
        if not isinstance(planned, list):
            try:
                return await record_anchoring(
                    record,
                    stored,
                    copy,
                    planned,
                    store=store,
                    commerce=commerce,
                    reasons_policy=reasons_policy,
                    reread=False,
                    completing=row,
                )
            except StaleOrderCopy:
                pass
        with store.tracer.start_as_current_span("anchor_return.reread_order"):
            order = await _get_by_id(commerce, copy.id)
    else:
        with store.tracer.start_as_current_span("anchor_return.find_order"):
            order = await _find_order(commerce, stored.case.client_order_id)
    if order is None:
        await hold_return(store, timeline, anchoring_policy, command=command, row=row, record=record)
        return None
    async with store.unit_of_work() as reads:
        prior = await prior_refunds(reads, order.id)
    planned = _plan(order, stored, prior, anchoring_policy)
    if isinstance(planned, list):
        await refuse_mismatch(store, command, row, record, order=order, problems=planned)
        return None
    return await record_anchoring(
        record,
        stored,
        order,
        planned,
        store=store,
        commerce=commerce,
        reasons_policy=reasons_policy,
        completing=row,
    )


def _plan(
    order: Order, stored: StoredCase, prior: list[PriorRefund], anchoring_policy: AnchoringPolicy
) -> RefundCalculation | list[dict[str, str]]:
    """The pending credit of the return's items on `order`, or the problems that keep it off the order."""
    problems = validate_items(order, stored.case)
    if problems:
        return problems
    expected = [
        ReturnedUnits(line_id=i.line_id, quantity=i.quantity_expected, sku=i.sku)
        for i in returnable(stored.case)
    ]
    try:
        return calculate_refund(order, expected, prior, policy=anchoring_policy.shipping)
    except BusinessRuleBroken as broken:
        return [{"item": "*", "rule": broken.rule, "message": broken.message}]


async def _get_by_id(commerce: CommercePort, order_id: str) -> Order | None:
    try:
        return await commerce.get_order(order_id)
    except NotFoundError:
        return None


async def _find_order(commerce: CommercePort, client_order_id: str) -> Order | None:
    """By order number (ReBound's clientOrderId), else by id; None while it does not exist (yet)."""
    try:
        return await commerce.get_order_by_number(client_order_id)
    except NotFoundError:
        pass
    return await _get_by_id(commerce, client_order_id)
