"""Recording an anchoring: the return info written to the commercetools order, then in one unit of
work the pending credit, the case anchored, its follow-ups and its notes (re-applied on a stale case)."""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.cases import StoredCase, load, snapshot_item, to_record
from backflow.app.core.completion import complete_in
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.notes import note
from backflow.app.core.policies import ReasonsPolicy
from backflow.app.core.problems import raise_exception
from backflow.app.core.return_validation import returnable
from backflow.app.returns.follow_up import stage_due_on_anchoring
from backflow.app.returns.reasons import mapped_reason, unmapped_dedupe_key
from backflow.domain.order import Order
from backflow.domain.refunds import RefundCalculation
from backflow.domain.return_case import CaseItem, Position, ReturnCase
from backflow.domain.returns import OrderFound, transition
from backflow.ports.commerce import CommercePort
from backflow.ports.commerce_types import ReturnItemRequest
from backflow.ports.errors import ConflictError, NotFoundError
from backflow.ports.exceptions import Severity
from backflow.ports.ledgers import PendingCredit
from backflow.ports.outbox import OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord


class StaleOrderCopy(Exception):
    """The order changed (or went) since the copy the anchoring planned on; nothing was written."""


CASE_WRITE_ATTEMPTS = 3
"""Commits of the anchored case on a stale version before the row fails into the outbox's backoff."""


def _item_request(
    reasons_policy: ReasonsPolicy, order: Order, stored: StoredCase, item: CaseItem
) -> tuple[ReturnItemRequest, str | None]:
    """The return item draft, and the raw reason code when it has no mapping (kept in the comment)."""
    raw = snapshot_item(stored, item.rebound_item_id) or None
    reason_code = raw.reasonCode if raw else None
    reason = mapped_reason(reasons_policy, reason_code)
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


async def record_anchoring(
    record: ReturnCaseRecord,
    stored: StoredCase,
    order: Order,
    credit: RefundCalculation,
    *,
    store: StoreDeps,
    commerce: CommercePort,
    reasons_policy: ReasonsPolicy,
    reread: bool = True,
    completing: OutboxRow | None = None,
) -> RowCompleted | None:
    """`reread=False`: `order` is a kept copy; the write is tried once on its version, and StaleOrderCopy
    (nothing written) says the order changed or went since, so the anchoring must read and validate again.
    `completing`: the outbox row the anchoring's commit completes."""
    case = stored.case
    drafts = [_item_request(reasons_policy, order, stored, item) for item in returnable(case)]
    with store.tracer.start_as_current_span("anchor_return.add_return_info"):
        # The order as just found (or as order sync kept it): its version saves a read. A stale one costs
        # a 409: re-read and re-planned here (`reread`), or handed back to re-validate (`StaleOrderCopy`).
        try:
            await commerce.add_return_info(
                order.id,
                [request for request, _ in drafts],
                return_tracking_id=case.return_id,
                current=order,
                reread=reread,
            )
        except (ConflictError, NotFoundError) as stale:
            if reread:
                raise
            raise StaleOrderCopy(order.id) from stale
    # The inbox processor may update the case while commercetools answers (a return's webhooks come
    # together); the commit then fails on the stale version. The case move is a pure function of the
    # stored case and the order found, so the loser re-reads and re-applies at once, a bounded number
    # of times, instead of failing the row into the outbox's backoff and calling commercetools again.
    for _ in range(CASE_WRITE_ATTEMPTS - 1):
        try:
            return await _commit_anchoring(
                store, record, stored, order=order, credit=credit, drafts=drafts, completing=completing
            )
        except ConflictError:
            async with store.unit_of_work() as reads:
                fresh = await reads.returns.get(case.return_id)
            if fresh is None or fresh.state != Position.AWAITING_ORDER:
                return None  # anchored or closed meanwhile: what a retry of the row would find too
            fresh_stored = load(fresh)
            if _anchored_items(fresh_stored.case) != _anchored_items(case):
                raise  # the items changed: the return info and credit need the whole anchoring again
            record, stored = fresh, fresh_stored
    # The last attempt: a conflict now goes to the row's retry.
    return await _commit_anchoring(
        store, record, stored, order=order, credit=credit, drafts=drafts, completing=completing
    )


def _anchored_items(case: ReturnCase) -> list[tuple[str, str, int]]:
    """What the return info and the pending credit were computed from."""
    return [(i.rebound_item_id, i.line_id, i.quantity_expected) for i in returnable(case)]


async def _commit_anchoring(
    store: StoreDeps,
    record: ReturnCaseRecord,
    stored: StoredCase,
    *,
    order: Order,
    credit: RefundCalculation,
    drafts: list[tuple[ReturnItemRequest, str | None]],
    completing: OutboxRow | None = None,
) -> RowCompleted | None:
    """One unit of work: the pending credit, the case anchored (from `record`, the version read),
    its follow-ups and notes, and `completing` done. Raises ConflictError, applying nothing, when
    `record` is stale."""
    case = stored.case
    async with store.unit_of_work() as uow:
        uow.credits.post(
            PendingCredit(
                return_id=case.return_id,
                currency=credit.currency,
                amount_minor=credit.total.minor_units,
                posted_at=store.clock.now(),
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
            raise_exception(
                uow,
                store,
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
        # Our return info moved the order past the copy order sync kept: a later return of it would
        # only get a 409 on that copy, so it looks the order up instead (one request fewer).
        uow.orders.forget_snapshot(order.id)
        result = transition(case, OrderFound(order_id=order.id))
        staged = stage_due_on_anchoring(uow, result.case, result.events)
        uow.returns.update(
            to_record(
                StoredCase(case=result.case, snapshot=stored.snapshot, unmapped_reasons=unmapped),
                record,
                store.clock.now(),
            )
        )
        note(
            uow,
            store,
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
            store,
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
        done = complete_in(uow, completing)
        await uow.commit()
    return done
