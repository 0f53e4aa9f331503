"""The return state machine: exhaustive table tests and properties over random event streams."""

from __future__ import annotations

import itertools

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.domain.events import (
    EVENT_DECODER,
    BackwardEventIgnored,
    RefundRequested,
    RestockDue,
    ReturnAnchored,
    ReturnClosed,
    ReturnReceived,
    StaleEventIgnored,
    UnknownValueReceived,
)
from backflow.domain.money import Money
from backflow.domain.return_case import POSITION_RANK, CaseItem, Position, ReturnCase, open_case, status_rank
from backflow.domain.returns import (
    CaseInput,
    OrderFound,
    Outcome,
    ReboundUpdate,
    RefundRefused,
    RefundSucceeded,
    Resolved,
    transition,
)
from backflow.domain.statuses import ReboundEventType, ReboundStatus

S, P = ReboundStatus, Position
EVENT_FOR = {
    S.CREATED: ReboundEventType.CREATED,
    S.IN_TRANSIT: ReboundEventType.IN_TRANSIT,
    S.AT_HUB: ReboundEventType.ARRIVED_AT_HUB,
    S.DELIVERED: ReboundEventType.DELIVERED,
    S.REGISTERED: ReboundEventType.ITEMS_REGISTERED,
    S.GRADED: ReboundEventType.ITEMS_GRADED,
    S.PROCESSED: ReboundEventType.PROCESSED,
    S.CANCELLED: ReboundEventType.CANCELLED,
    S.EXCEPTION: ReboundEventType.EXCEPTION,
}
ITEM = CaseItem(rebound_item_id="RI-1", line_id="line-1", sku="TEE", quantity_expected=1, quantity_received=1)
PAID = RefundSucceeded(amount=Money.minor(3500, "GBP"), reference="tx-1", quantities={"RI-1": 1})
SIGNALS: list[CaseInput] = [
    OrderFound(order_id="o-1"),
    PAID,
    RefundRefused(reason="mismatch"),
    Resolved(note="ok"),
]

# Written out independently of the table under test: the journey order of the statuses.
JOURNEY = [S.CREATED, S.IN_TRANSIT, S.AT_HUB, S.DELIVERED, S.REGISTERED, S.GRADED, S.PROCESSED]


def expected_status_move(current: ReboundStatus | None, new: ReboundStatus) -> bool:
    if current is None or new is current:
        return True
    if current in (S.PROCESSED, S.CANCELLED, S.EXCEPTION):
        return False
    if new is S.EXCEPTION:
        return True
    if new is S.CANCELLED:  # only before the warehouse received it
        return JOURNEY.index(current) < JOURNEY.index(S.REGISTERED)
    return JOURNEY.index(new) > JOURNEY.index(current)


def update(status: ReboundStatus, sequence: int, event_type: str | None = None) -> ReboundUpdate:
    kind = event_type or EVENT_FOR[status].value
    return ReboundUpdate(sequence=sequence, event_type=kind, status=status.value, items=(ITEM,))


def case_at(status: ReboundStatus | None, position: Position = P.ANCHORED) -> ReturnCase:
    return msgspec.structs.replace(
        open_case("RB-1", "CT-1"), rebound_status=status, position=position, last_sequence=5
    )


@pytest.mark.parametrize(("current", "new"), list(itertools.product([None, *S], S)))
def test_every_status_pair_follows_the_journey(current: ReboundStatus | None, new: ReboundStatus) -> None:
    result = transition(case_at(current), update(new, 6))
    if expected_status_move(current, new):
        assert result.outcome is Outcome.APPLIED
        assert result.case.rebound_status is new and result.case.last_sequence == 6
    else:
        assert result.outcome is Outcome.BACKWARD_IGNORED
        assert result.case == case_at(current)
        assert result.events == (
            BackwardEventIgnored(return_id="RB-1", sequence=6, status=new, current=current),
        )


# Every (position, signal) pair; None = refused, nothing changes.
POSITION_TABLE: dict[tuple[Position, str], Position | None] = {
    (P.AWAITING_ORDER, "OrderFound"): P.ANCHORED,
    (P.AWAITING_ORDER, "RefundSucceeded"): None,
    (P.AWAITING_ORDER, "RefundRefused"): None,
    (P.AWAITING_ORDER, "Resolved"): P.CLOSED,
    (P.ANCHORED, "OrderFound"): None,
    (P.ANCHORED, "RefundSucceeded"): None,
    (P.ANCHORED, "RefundRefused"): None,
    (P.ANCHORED, "Resolved"): P.CLOSED,
    (P.REFUND_PENDING, "OrderFound"): None,
    (P.REFUND_PENDING, "RefundSucceeded"): P.REFUNDED,
    (P.REFUND_PENDING, "RefundRefused"): P.HELD_FOR_FINANCE,
    (P.REFUND_PENDING, "Resolved"): P.CLOSED,
    (P.HELD_FOR_FINANCE, "OrderFound"): None,
    (P.HELD_FOR_FINANCE, "RefundSucceeded"): P.REFUNDED,
    (P.HELD_FOR_FINANCE, "RefundRefused"): None,
    (P.HELD_FOR_FINANCE, "Resolved"): P.CLOSED,
    (P.REFUNDED, "OrderFound"): None,
    (P.REFUNDED, "RefundSucceeded"): P.REFUNDED,
    (P.REFUNDED, "RefundRefused"): None,
    (P.REFUNDED, "Resolved"): P.CLOSED,
    (P.CLOSED, "OrderFound"): None,
    (P.CLOSED, "RefundSucceeded"): None,
    (P.CLOSED, "RefundRefused"): None,
    (P.CLOSED, "Resolved"): None,
}


@pytest.mark.parametrize(("position", "signal"), list(itertools.product(P, SIGNALS)))
def test_every_position_and_signal_pair(position: Position, signal: CaseInput) -> None:
    before = case_at(S.DELIVERED, position)
    result = transition(before, signal)
    expected = POSITION_TABLE[(position, type(signal).__name__)]
    if expected is None:
        assert result.outcome is Outcome.REFUSED and result.case == before
    else:
        assert result.outcome is Outcome.APPLIED and result.case.position is expected


@pytest.mark.parametrize("position", list(P))
def test_refund_triggered_in_every_position(position: Position) -> None:
    before = case_at(S.DELIVERED, position)
    result = transition(before, update(S.DELIVERED, 6, ReboundEventType.REFUND_TRIGGERED.value))
    requested = [event for event in result.events if isinstance(event, RefundRequested)]
    expected = {
        P.AWAITING_ORDER: (P.AWAITING_ORDER, 0),
        P.ANCHORED: (P.REFUND_PENDING, 1),
        P.REFUND_PENDING: (P.REFUND_PENDING, 0),
        P.HELD_FOR_FINANCE: (P.HELD_FOR_FINANCE, 0),
        P.REFUNDED: (P.REFUNDED, 1),
        P.CLOSED: (P.CLOSED, 0),
    }[position]
    assert (result.case.position, len(requested)) == expected
    if position is P.CLOSED:
        assert result.outcome is Outcome.REFUSED and result.case == before


def test_a_refund_triggered_before_the_order_is_found_waits_for_it() -> None:
    case = transition(open_case("RB-1", "CT-1"), update(S.IN_TRANSIT, 1, "refund.triggered")).case
    assert case.refund_requested and case.position is P.AWAITING_ORDER
    anchored = transition(case, OrderFound(order_id="o-1"))
    assert anchored.case.position is P.REFUND_PENDING
    assert [type(e) for e in anchored.events] == [ReturnAnchored, RefundRequested]


def test_a_refund_trigger_overtaken_by_a_later_event_still_requests_the_refund() -> None:
    # Found by the chaos run: items_graded (6) delivered before refund.triggered (5) lost the refund.
    graded = case_at(S.GRADED)
    late = transition(graded, update(S.REGISTERED, 4, "refund.triggered"))
    assert late.case.position is P.REFUND_PENDING
    assert late.case.rebound_status is S.GRADED and late.case.last_sequence == 5
    assert [type(e) for e in late.events] == [RefundRequested]
    again = transition(late.case, update(S.REGISTERED, 4, "refund.triggered"))
    assert again.outcome is Outcome.STALE and again.case == late.case
    waiting = transition(case_at(S.GRADED, P.AWAITING_ORDER), update(S.REGISTERED, 4, "refund.triggered"))
    assert waiting.case.refund_requested and waiting.events == ()


def test_stale_and_equal_sequences_change_nothing() -> None:
    case = case_at(S.DELIVERED)
    for sequence in (1, 5):
        result = transition(case, update(S.GRADED, sequence))
        assert result.outcome is Outcome.STALE and result.case == case
        assert result.events == (StaleEventIgnored(return_id="RB-1", sequence=sequence, last_sequence=5),)


def test_unknown_status_and_event_type_are_parked_not_crashed() -> None:
    case = case_at(S.DELIVERED)
    odd = ReboundUpdate(sequence=9, event_type="return_order.delivered", status="TELEPORTED")
    result = transition(case, odd)
    assert result.outcome is Outcome.UNKNOWN_IGNORED and result.case == case
    assert result.events == (
        UnknownValueReceived(return_id="RB-1", kind="status", raw="TELEPORTED", sequence=9),
    )
    odd_type = ReboundUpdate(sequence=9, event_type="return_order.teleported", status="DELIVERED")
    assert transition(case, odd_type).events[0] == UnknownValueReceived(
        return_id="RB-1", kind="event_type", raw="return_order.teleported", sequence=9
    )


def test_a_dtr_journey_skips_the_hub_and_ends_closed_after_the_refund() -> None:
    case = open_case("RB-1", "CT-1")
    steps: list[CaseInput] = [
        update(S.CREATED, 1),
        OrderFound(order_id="o-1"),
        update(S.IN_TRANSIT, 2),
        update(S.DELIVERED, 3),
        update(S.REGISTERED, 4),
        update(S.GRADED, 5),
        update(S.GRADED, 6, "refund.triggered"),
        PAID,
        update(S.PROCESSED, 7),
    ]
    seen = []
    for step in steps:
        result = transition(case, step)
        assert result.outcome is Outcome.APPLIED
        case = result.case
        seen.extend(type(event) for event in result.events)
    assert case.position is P.CLOSED and case.items[0].refunded_quantity == 1
    assert seen.count(ReturnReceived) == 1 and seen.count(RestockDue) == 1 and seen.count(ReturnClosed) == 1


def test_a_cancelled_return_with_no_money_moved_closes() -> None:
    result = transition(case_at(S.IN_TRANSIT, P.ANCHORED), update(S.CANCELLED, 6))
    assert result.case.position is P.CLOSED


def test_domain_events_round_trip_through_the_tagged_decoder() -> None:
    case = open_case("RB-1", "CT-1")
    for step in [
        update(S.GRADED, 1),
        OrderFound(order_id="o-1"),
        update(S.GRADED, 2, "refund.triggered"),
        PAID,
    ]:
        result = transition(case, step)
        case = result.case
        for event in result.events:
            encoded = msgspec.json.encode(event)
            assert b'"type":"' + type(event).__name__.encode() in encoded
            assert EVENT_DECODER.decode(encoded) == event


# ---------------------------------------------------------------- properties
STATUS_UPDATES = st.builds(
    lambda status, kind, gap: (status, kind, gap),
    st.sampled_from(list(S)),
    st.sampled_from([None, "refund.triggered"]),
    st.integers(-2, 3),
)
INPUTS = st.one_of(STATUS_UPDATES, st.sampled_from(SIGNALS))


def _apply(case: ReturnCase, step: object) -> ReturnCase:
    if isinstance(step, tuple):
        status, kind, gap = step
        step = update(status, case.last_sequence + gap, kind)
    assert isinstance(step, ReboundUpdate | OrderFound | RefundSucceeded | RefundRefused | Resolved)
    return transition(case, step).case


@given(st.lists(INPUTS, max_size=30))
def test_the_case_never_moves_backwards_and_closed_is_final(steps: list[object]) -> None:
    case = open_case("RB-1", "CT-1")
    for step in steps:
        after = _apply(case, step)
        assert status_rank(after.rebound_status) >= status_rank(case.rebound_status)
        assert POSITION_RANK[after.position] >= POSITION_RANK[case.position]
        assert after.last_sequence >= case.last_sequence
        if case.rebound_status in (S.PROCESSED, S.CANCELLED, S.EXCEPTION):
            assert after.rebound_status is case.rebound_status
        if case.is_closed:
            assert after == case
        case = after


def test_every_status_and_position_is_reachable_from_the_start() -> None:
    start = open_case("RB-1", "CT-1")
    inputs: list[object] = [(status, kind, 1) for status in S for kind in (None, "refund.triggered")]
    inputs += SIGNALS

    # States are (status, position, waiting refund); refunded quantities are data, not states.
    def state(case: ReturnCase) -> tuple[object, ...]:
        return (case.rebound_status, case.position, case.refund_requested)

    seen, frontier = {state(start): start}, [start]
    while frontier:
        case = frontier.pop()
        for step in inputs:
            after = msgspec.structs.replace(_apply(case, step), last_sequence=0)
            if state(after) not in seen:
                seen[state(after)] = after
                frontier.append(after)
    assert len(seen) < 200
    assert {case.rebound_status for case in seen.values()} == {None, *S}
    assert {case.position for case in seen.values()} == set(P)
