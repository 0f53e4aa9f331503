"""Return intake: a stored ReBound event (webhook or catch-up snapshot) moves its return case.

One unit of work per event: the case, its timeline and the outbox rows that follow. Stale and
backward events are written to the timeline and change nothing; unknown values raise an exception
for merchandising and never stop the rest of the work.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from backflow.app.core import keys
from backflow.app.core.cases import StoredCase, case_items, load, to_record
from backflow.app.core.completion import processed_in
from backflow.app.core.declarations import EventProcessed
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import outbox_message
from backflow.app.core.notes import note
from backflow.app.core.problems import raise_exception
from backflow.app.core.quarantine import quarantine, raw_body
from backflow.app.returns.follow_up import stage_follow_ups
from backflow.domain.commands import AnchorReturn
from backflow.domain.errors import DomainError
from backflow.domain.return_case import open_case
from backflow.domain.return_snapshot import (
    EVENT_STATUS,
    ReturnSnapshot,
    decode_return_event,
    decode_return_snapshot,
)
from backflow.domain.returns import Outcome, ReboundUpdate, Transition, transition
from backflow.ports.exceptions import Severity
from backflow.ports.inbox import InboundEvent, StoredInboundEvent
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.unit_of_work import UnitOfWork

CATCHUP_SOURCE = "rebound-catchup"
STATUS_EVENT = {status: event for event, status in EVENT_STATUS.items() if status is not None}
_UNKNOWN_TYPE = {
    "status": "unknown_status",
    "disposition": "unknown_disposition",
    "condition": "unknown_disposition",
}


class Incoming(msgspec.Struct, frozen=True, kw_only=True):
    event_id: str
    event_type: str
    sequence: int | None
    """None for a catch-up snapshot: ReBound's return resource carries no sequence."""
    snapshot: ReturnSnapshot


async def handle_rebound_event(stored: StoredInboundEvent, *, store: StoreDeps) -> EventProcessed | None:
    event = stored.event
    with store.tracer.start_as_current_span(
        "intake.rebound_event", attributes={"inbox.source": event.source, "inbox.kind": event.kind}
    ):
        reason = event.quarantine_reason
        incoming: Incoming | None = None
        if reason is None:
            try:
                incoming = _decode(event)
            except (msgspec.DecodeError, msgspec.ValidationError, DomainError) as exc:
                reason = f"undecodable: {exc}"
        if incoming is None:
            await quarantine(stored, reason or "quarantined", store)
            return None
        return await apply_incoming(incoming, stored, store)


def _decode(event: InboundEvent) -> Incoming:
    if event.source == CATCHUP_SOURCE:
        snapshot = decode_return_snapshot(event.body)
        return Incoming(event_id=event.source_id, event_type="catch-up", sequence=None, snapshot=snapshot)
    envelope = decode_return_event(event.body)
    return Incoming(
        event_id=envelope.id, event_type=envelope.type, sequence=envelope.sequence, snapshot=envelope.data
    )


Remap = Callable[[ReturnSnapshot | None], "Incoming"]
"""The incoming event again, given the stored snapshot of its return (read in the same unit of work)."""
IsNews = Callable[[ReturnSnapshot, ReturnSnapshot | None], bool]


def newer_timestamp(snapshot: ReturnSnapshot, known: ReturnSnapshot | None) -> bool:
    return known is None or snapshot.order.timestamp > known.order.timestamp


def _updates(incoming: Incoming, stored: StoredCase, is_news: IsNews) -> list[ReboundUpdate]:
    """The domain inputs for this event. A catch-up snapshot newer than the stored one becomes the
    next sequence(s): its real sequence is at least that high, so a later webhook still wins."""
    items = case_items(incoming.snapshot)
    status = incoming.snapshot.order.status
    if incoming.sequence is not None:
        return [
            ReboundUpdate(
                sequence=incoming.sequence, event_type=incoming.event_type, status=status, items=items
            )
        ]
    known = stored.snapshot
    if not is_news(incoming.snapshot, known):
        return []
    case = stored.case
    next_sequence = case.last_sequence + 1
    status_event = STATUS_EVENT.get(status, f"return_order.unknown:{status}")
    updates = [ReboundUpdate(sequence=next_sequence, event_type=status_event, status=status, items=items)]
    new_proposal = incoming.snapshot.refund
    if new_proposal is not None and (known is None or known.refund != new_proposal):
        next_sequence += 1
        updates.append(
            ReboundUpdate(sequence=next_sequence, event_type="refund.triggered", status=status, items=items)
        )
    return updates


async def apply_incoming(
    incoming: Incoming,
    stored_event: StoredInboundEvent,
    store: StoreDeps,
    *,
    remap: Remap | None = None,
    is_news: IsNews = newer_timestamp,
) -> EventProcessed:
    """Without a sequence (catch-up, tracking updates) `is_news` decides against the stored snapshot;
    `remap` rebuilds the incoming snapshot over the stored one (a tracking update keeps its receipt).
    The event is marked processed in the same commit as what it changed."""
    event = stored_event.event
    rid = incoming.snapshot.return_id
    client_order_id = incoming.snapshot.order.clientOrderId
    async with store.unit_of_work() as uow:
        record = await uow.returns.get(rid)
        stored = load(record) if record else StoredCase(case=open_case(rid, client_order_id))
        if remap is not None:
            incoming = remap(stored.snapshot)
        snapshot = incoming.snapshot
        ref = stored.case.order_id or stored.case.client_order_id
        detail = {
            "event_id": incoming.event_id,
            "sequence": incoming.sequence,
            "status": snapshot.order.status,
        }
        note(
            uow,
            store,
            rid,
            source=event.source,
            action=f"event {incoming.event_type}",
            outcome="received",
            detail=detail,
            order_ref=ref,
        )
        _raise_unknowns(uow, store, incoming, event, ref)
        updates = _updates(incoming, stored, is_news)
        if not updates:
            note(
                uow,
                store,
                rid,
                source="backflow",
                action=f"{incoming.event_type} snapshot",
                outcome="stale",
                detail={"reason": "not newer than the stored snapshot"},
                order_ref=ref,
            )
        case, applied = stored.case, False
        for update in updates:
            result = transition(case, update)
            if result.outcome is not Outcome.APPLIED:
                _note_ignored(uow, store, result, update, ref)
                continue
            applied, case = True, result.case
            staged = stage_follow_ups(uow, case, result.events, update.sequence)
            note(
                uow,
                store,
                rid,
                source="backflow",
                action=f"case moved to {case.position}/{case.rebound_status}",
                outcome="applied",
                detail={"sequence": update.sequence, "staged": staged},
                order_ref=ref,
            )
        if applied:
            _save(
                uow,
                store,
                StoredCase(case=case, snapshot=snapshot, unmapped_reasons=stored.unmapped_reasons),
                record,
            )
            if record is None:
                uow.outbox.add(
                    outbox_message(
                        AnchorReturn(return_id=rid, client_order_id=case.client_order_id),
                        keys.anchor_key(rid),
                        lock_key=keys.order_lock(case.client_order_id),
                    )
                )
        processed = processed_in(uow, stored_event)
        await uow.commit()
    return processed


def _save(uow: UnitOfWork, store: StoreDeps, stored: StoredCase, record: ReturnCaseRecord | None) -> None:
    new = to_record(stored, record, store.clock.now())
    if record is None:
        uow.returns.add(new)
    else:
        uow.returns.update(new)


def _note_ignored(
    uow: UnitOfWork, store: StoreDeps, result: Transition, update: ReboundUpdate, ref: str
) -> None:
    outcome = {Outcome.STALE: "stale", Outcome.BACKWARD_IGNORED: "ignored"}.get(result.outcome, "ignored")
    detail = {
        "outcome": result.outcome.value,
        "sequence": update.sequence,
        "last_sequence": result.case.last_sequence,
        "status": update.status,
        "current_status": result.case.rebound_status,
    }
    note(
        uow,
        store,
        result.case.return_id,
        source="backflow",
        action=f"event {update.event_type}",
        outcome=outcome,
        detail=detail,
        order_ref=ref,
    )


def _raise_unknowns(
    uow: UnitOfWork, store: StoreDeps, incoming: Incoming, event: InboundEvent, ref: str
) -> None:
    rid = incoming.snapshot.return_id
    found = incoming.snapshot.unknown_values()
    if incoming.sequence is not None and incoming.event_type not in EVENT_STATUS:
        found.append(f"event_type={incoming.event_type}")
    for value in found:
        kind, _, raw = value.partition("=")
        exception_type = _UNKNOWN_TYPE.get(
            kind, "unknown_event_type" if kind == "event_type" else "unknown_status"
        )
        raise_exception(
            uow,
            store,
            exception_type,
            dedupe_key=f"{exception_type}:{rid}:{value}",
            severity=Severity.WARNING,
            evidence={
                "value": value,
                "field": kind,
                "raw": raw,
                "event_id": incoming.event_id,
                **raw_body(event),
            },
            return_id=rid,
            order_ref=ref,
        )
