"""The return case: ReBound's status and Backflow's own position, moved by an explicit table.

Two dimensions, each only ever moving forward:
- `rebound_status` follows ReBound's newest `sequence`. Flows skip statuses (DTR has no AT_HUB, RLIB
  starts at IN_TRANSIT), so forward skips are allowed; a move backwards is recorded and ignored,
  and an event at or below `last_sequence` is stale and changes nothing. PROCESSED, CANCELLED and
  EXCEPTION are final for the status; same-status snapshots (e.g. `refund.triggered`) still count.
- `position` is Backflow's progress: anchoring to the order, then the refund. CLOSED is final for
  the whole case: nothing moves it again.
The two meet in `_settle`: a cancelled return with no money moved closes, and so does a processed
return that has been refunded.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from backflow.domain.events import (
    BackwardEventIgnored,
    DomainEvent,
    ItemQuantity,
    RefundIssued,
    RefundRejected,
    RefundRequested,
    RestockDue,
    ReturnAnchored,
    ReturnClosed,
    ReturnReceived,
    ReturnStatusChanged,
    StaleEventIgnored,
    TransitionRefused,
    UnknownValueReceived,
)
from backflow.domain.money import Money
from backflow.domain.return_case import (
    POSITION_TRANSITIONS,
    STATUS_TRANSITIONS,
    CaseItem,
    Position,
    ReturnCase,
    Signal,
)
from backflow.domain.statuses import (
    ReboundEventType,
    ReboundStatus,
    Unknown,
    is_graded,
    is_received,
    parse_event_type,
    parse_status,
)

S = ReboundStatus
P = Position


# ---------------------------------------------------------------- inputs
class ReboundUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """One ReBound event for the return: the full current snapshot at `sequence` (raw strings)."""

    sequence: int
    event_type: str
    status: str
    items: tuple[CaseItem, ...] = ()


class OrderFound(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str


class RefundSucceeded(msgspec.Struct, frozen=True, kw_only=True):
    amount: Money
    reference: str
    quantities: dict[str, int] = {}  # rebound item id -> units refunded now


class RefundRefused(msgspec.Struct, frozen=True, kw_only=True):
    reason: str


class Resolved(msgspec.Struct, frozen=True, kw_only=True):
    note: str = ""


CaseInput = ReboundUpdate | OrderFound | RefundSucceeded | RefundRefused | Resolved


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    STALE = "STALE"
    BACKWARD_IGNORED = "BACKWARD_IGNORED"
    UNKNOWN_IGNORED = "UNKNOWN_IGNORED"
    REFUSED = "REFUSED"


class Transition(msgspec.Struct, frozen=True, kw_only=True):
    outcome: Outcome
    case: ReturnCase
    events: tuple[DomainEvent, ...] = ()


def transition(case: ReturnCase, event: CaseInput) -> Transition:
    """The case after `event`, and the domain events it causes. Never raises for ReBound's data."""
    if isinstance(event, ReboundUpdate):
        return _apply_update(case, event)
    signal = _SIGNALS[type(event)]
    return _apply_signal(case, signal, event)


_SIGNALS: dict[type, Signal] = {
    OrderFound: Signal.ORDER_FOUND,
    RefundSucceeded: Signal.REFUND_SUCCEEDED,
    RefundRefused: Signal.REFUND_REFUSED,
    Resolved: Signal.RESOLVED,
}


def _apply_signal(case: ReturnCase, signal: Signal, event: CaseInput | None, sequence: int = 0) -> Transition:
    target = POSITION_TRANSITIONS.get((case.position, signal))
    if target is None:
        refused = TransitionRefused(return_id=case.return_id, position=case.position, signal=signal)
        return Transition(outcome=Outcome.REFUSED, case=case, events=(refused,))
    rid = case.return_id
    events: list[DomainEvent] = []
    new = msgspec.structs.replace(case, position=target)
    match event:
        case OrderFound(order_id=order_id):
            new = msgspec.structs.replace(new, order_id=order_id)
            events.append(ReturnAnchored(return_id=rid, order_id=order_id))
            if case.refund_requested:  # the trigger that waited for the order
                new = msgspec.structs.replace(new, position=P.REFUND_PENDING)
                events.append(RefundRequested(return_id=rid, sequence=case.last_sequence))
        case RefundSucceeded(amount=amount, reference=reference, quantities=quantities):
            items = tuple(
                msgspec.structs.replace(
                    item, refunded_quantity=item.refunded_quantity + quantities.get(item.rebound_item_id, 0)
                )
                for item in case.items
            )
            new = msgspec.structs.replace(new, items=items)
            events.append(RefundIssued(return_id=rid, amount=amount, reference=reference))
        case RefundRefused(reason=reason):
            events.append(RefundRejected(return_id=rid, reason=reason))
        case Resolved(note=note):
            events.append(ReturnClosed(return_id=rid, note=note))
        case None:  # refund.triggered, carried by a ReBound update
            if case.position is P.AWAITING_ORDER:
                new = msgspec.structs.replace(new, refund_requested=True)
            elif case.position in (P.ANCHORED, P.REFUNDED):  # a duplicate or a held trigger adds nothing
                events.append(RefundRequested(return_id=rid, sequence=sequence))
    return _settle(case, new, events)


def _apply_update(case: ReturnCase, update: ReboundUpdate) -> Transition:
    rid = case.return_id
    if case.is_closed:
        refused = TransitionRefused(return_id=rid, position=case.position, signal=update.event_type)
        return Transition(outcome=Outcome.REFUSED, case=case, events=(refused,))
    if update.sequence <= case.last_sequence:
        if _late_refund_trigger(case, update):
            # Delivered after a newer event: the status is old news, but the trigger is not.
            return _apply_signal(case, Signal.REFUND_TRIGGERED, None, update.sequence)
        stale = StaleEventIgnored(return_id=rid, sequence=update.sequence, last_sequence=case.last_sequence)
        return Transition(outcome=Outcome.STALE, case=case, events=(stale,))
    status, kind = parse_status(update.status), parse_event_type(update.event_type)
    for value in (status, kind):
        if isinstance(value, Unknown):
            unknown = UnknownValueReceived(
                return_id=rid, kind=value.kind, raw=value.raw, sequence=update.sequence
            )
            return Transition(outcome=Outcome.UNKNOWN_IGNORED, case=case, events=(unknown,))
    assert isinstance(status, ReboundStatus)  # narrowed by the loop above
    previous = case.rebound_status
    if status is not previous and status not in STATUS_TRANSITIONS[previous]:
        backward = BackwardEventIgnored(
            return_id=rid, sequence=update.sequence, status=status, current=previous
        )
        return Transition(outcome=Outcome.BACKWARD_IGNORED, case=case, events=(backward,))
    new = msgspec.structs.replace(
        case,
        rebound_status=status,
        last_sequence=update.sequence,
        items=_merge_items(case.items, update.items),
    )
    events: list[DomainEvent] = []
    if status is not previous:
        events.append(
            ReturnStatusChanged(return_id=rid, previous=previous, status=status, sequence=update.sequence)
        )
    if is_received(status) and not is_received(previous):
        events.append(ReturnReceived(return_id=rid, items=_quantities(new.items)))
    if is_graded(status) and not is_graded(previous):
        events.append(RestockDue(return_id=rid, items=_quantities(new.items)))
    if kind is ReboundEventType.REFUND_TRIGGERED:
        signalled = _apply_signal(new, Signal.REFUND_TRIGGERED, None, update.sequence)
        events.extend(signalled.events)
        new = signalled.case
    return _settle(case, new, events)


def _late_refund_trigger(case: ReturnCase, update: ReboundUpdate) -> bool:
    """A refund.triggered overtaken by a later event, for a case with no refund triggered yet."""
    is_trigger = parse_event_type(update.event_type) is ReboundEventType.REFUND_TRIGGERED
    untriggered = case.position is P.ANCHORED or (
        case.position is P.AWAITING_ORDER and not case.refund_requested
    )
    return is_trigger and untriggered


def _merge_items(current: tuple[CaseItem, ...], snapshot: tuple[CaseItem, ...]) -> tuple[CaseItem, ...]:
    """The newest snapshot wins, but what Backflow refunded per item is Backflow's own record."""
    if not snapshot:
        return current
    refunded = {item.rebound_item_id: item.refunded_quantity for item in current}
    return tuple(
        msgspec.structs.replace(item, refunded_quantity=refunded.get(item.rebound_item_id, 0))
        for item in snapshot
    )


def _quantities(items: tuple[CaseItem, ...]) -> tuple[ItemQuantity, ...]:
    return tuple(
        ItemQuantity(
            rebound_item_id=item.rebound_item_id,
            line_id=item.line_id,
            sku=item.sku,
            quantity=item.quantity_received,
            disposition=item.disposition,
        )
        for item in items
    )


def _settle(before: ReturnCase, after: ReturnCase, events: list[DomainEvent]) -> Transition:
    """Close what is finished: cancelled with no money moved, or processed and refunded."""
    done_cancelled = after.rebound_status is S.CANCELLED and after.position in (P.AWAITING_ORDER, P.ANCHORED)
    done_refunded = after.rebound_status is S.PROCESSED and after.position is P.REFUNDED
    if (done_cancelled or done_refunded) and not after.is_closed:
        after = msgspec.structs.replace(after, position=P.CLOSED)
        events.append(ReturnClosed(return_id=after.return_id, note=f"{after.rebound_status} and settled"))
    return Transition(outcome=Outcome.APPLIED, case=after, events=tuple(events))
