"""Re-anchor an orphan return (or one that did not match its order) to an order number a person gives.

The order is looked up and the items validated at once, so a wrong number is refused with the reason
instead of silently failing later; then the case remembers the new order number and anchoring runs
again through the outbox (the same handler as ever: validation, return info, pending credit). The
exception is acknowledged now and resolved by the anchoring when it succeeds.
"""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.cases import load
from backflow.app.core.deps import StoreDeps
from backflow.app.core.exception_actions import (
    REANCHORABLE,
    ActionRefused,
    Refusal,
    clean_note,
    commit_or_404,
    load_exception,
)
from backflow.app.core.messages import outbox_message
from backflow.app.core.notes import note as timeline_note
from backflow.app.core.return_validation import validate_items
from backflow.domain.commands import AnchorReturn
from backflow.domain.return_case import Position
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionRecord, ExceptionState

MAX_ORDER_NUMBER = 200


async def reanchor_return(
    exception_id: int,
    order_number: str,
    *,
    actor: str,
    note: str | None,
    store: StoreDeps,
    commerce: CommercePort,
) -> ExceptionRecord:
    number = order_number.strip()
    if not number or len(number) > MAX_ORDER_NUMBER or not number.isprintable():
        raise ActionRefused(Refusal.INVALID, "invalid_order_number", "give the commercetools order number")
    record = await load_exception(store, exception_id)
    rid = record.return_id
    if record.type not in REANCHORABLE or rid is None:
        raise ActionRefused(
            Refusal.CONFLICT, "not_reanchorable", f"a {record.type} exception cannot be re-anchored"
        )
    if record.state == ExceptionState.RESOLVED:
        raise ActionRefused(
            Refusal.CONFLICT, "already_resolved", "a resolved exception cannot be re-anchored"
        )
    async with store.unit_of_work() as reads:
        case_record = await reads.returns.get(rid)
    if case_record is None:
        raise ActionRefused(Refusal.CONFLICT, "unknown_return", f"Backflow has no return {rid}")
    stored = load(case_record)
    if stored.case.position is not Position.AWAITING_ORDER:
        if stored.case.client_order_id == number:
            return record  # anchored to this order already: nothing to do
        raise ActionRefused(
            Refusal.CONFLICT,
            "already_anchored",
            f"return {rid} is anchored to order {stored.case.order_id} already",
        )
    try:
        order = await commerce.get_order_by_number(number)
    except NotFoundError:
        raise ActionRefused(
            Refusal.CONFLICT, "order_not_found", f"commercetools has no order number {number}"
        ) from None
    case = msgspec.structs.replace(stored.case, client_order_id=number)
    problems = validate_items(order, case)
    if problems:
        described = "; ".join(p["message"] for p in problems)
        raise ActionRefused(
            Refusal.CONFLICT, "order_does_not_match", f"order {number} does not fit the return: {described}"
        )
    updated = msgspec.structs.replace(stored, case=case)
    text = clean_note(note)
    async with store.unit_of_work() as uow:
        # ct_order_id cleared: the held-returns sweep may look it up again if this attempt is lost.
        uow.returns.update(
            msgspec.structs.replace(
                case_record, client_order_id=number, ct_order_id=None, snapshot=msgspec.json.encode(updated)
            )
        )
        command = AnchorReturn(return_id=rid, client_order_id=number)
        key, lock = f"{keys.anchor_key(rid)}#reanchor-{number}", keys.order_lock(number)
        uow.outbox.add(outbox_message(command, key, lock_key=lock))
        summary = f"re-anchoring to order {number}" + (f": {text}" if text else "")
        uow.exceptions.record_action(record.id, "reanchored", actor=actor, note=summary)
        if record.state == ExceptionState.OPEN:
            uow.exceptions.change_state(record.id, ExceptionState.ACKNOWLEDGED, actor=actor, note=summary)
        timeline_note(
            uow,
            store,
            rid,
            source="person",
            action=f"re-anchor to order {number}",
            outcome="queued",
            detail={"actor": actor, "note": text, "exception_id": record.id, "order_id": order.id},
            order_ref=order.id,
        )
        await commit_or_404(uow)
    return await load_exception(store, exception_id)
