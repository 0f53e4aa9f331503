"""Simulator scenarios: a seeded day repeats exactly, and every flow walks its contract status sequence."""

from __future__ import annotations

import pytest

from backflow.adapters.rebound.mapping import to_sales_order
from backflow.devtools.rebound_sim import SimOptions, Simulator
from backflow.domain.money import Money
from backflow.domain.return_snapshot import EVENT_STATUS, decode_return_event
from tests.rebound_support import line, order

EXPECTED = {
    "STANDARD": ["CREATED", "IN_TRANSIT", "AT_HUB", "DELIVERED", "REGISTERED", "GRADED", "PROCESSED"],
    "DTR": ["CREATED", "IN_TRANSIT", "DELIVERED", "REGISTERED", "GRADED", "PROCESSED"],
    "RLIB": ["CREATED", "IN_TRANSIT", "AT_HUB", "DELIVERED", "REGISTERED", "GRADED", "PROCESSED"],
}


def _day(seed: int, orders: int = 120, returns: int = 60, **options: object) -> Simulator:
    sim = Simulator(SimOptions(seed=seed, **options))  # type: ignore[arg-type]
    for number in range(orders):
        lines = [
            line(f"line-{number}-{k}", f"SKU-{k}", 1000 + 137 * k, 1 + k % 3) for k in range(1 + number % 4)
        ]
        sim.put_order(to_sales_order(order(lines, orderNumber=f"CT-{number:06d}", id=f"ct-{number}")))
    sim.schedule_day(returns)
    sim.advance(40 * 86_400)
    return sim


def test_a_seeded_day_is_reproducible() -> None:
    first, second, other = _day(3), _day(3), _day(4)
    assert [item.body for item in first.state.events] == [item.body for item in second.state.events]
    assert len(first.state.returns) == 60
    assert [item.body for item in first.state.events] != [item.body for item in other.state.events]
    assert first.scheduled == 0


@pytest.mark.parametrize("flow", sorted(EXPECTED))
@pytest.mark.parametrize("milestone", ["DROP_OFF", "HUB_RECEIVED", "HUB_PROCESSED"])
def test_each_flow_walks_its_status_sequence_with_one_refund_at_the_milestone(
    flow: str, milestone: str
) -> None:
    sim = _day(
        9,
        returns=40,
        flow_weights={flow: 1.0},
        cancel_rate=0.0,
        exception_rate=0.0,
        refund_milestone=milestone,
    )
    after = {"DROP_OFF": "IN_TRANSIT", "HUB_RECEIVED": "REGISTERED", "HUB_PROCESSED": "GRADED"}[milestone]
    for ret in sim.state.returns.values():
        statuses = [EVENT_STATUS[kind] for kind in ret.history if kind != "refund.triggered"]
        assert statuses == EXPECTED[flow]
        refund_at = ret.history.index("refund.triggered")
        assert EVENT_STATUS[ret.history[refund_at - 1]] == after
        assert ret.history.count("refund.triggered") == 1
    events = [decode_return_event(item.body) for item in sim.state.events]
    by_return: dict[str, list[int]] = {}
    for event in events:
        by_return.setdefault(event.data.return_id, []).append(event.sequence)
    assert all(sequences == list(range(1, len(sequences) + 1)) for sequences in by_return.values())
    if flow == "RLIB":
        for ret in sim.state.returns.values():
            created, in_transit = [e for e in events if e.data.return_id == ret.return_id][:2]
            assert created.createdAt == in_transit.createdAt


def test_faults_show_up_at_their_rates() -> None:
    sim = _day(
        5,
        returns=150,
        cancel_rate=0.2,
        unknown_order_rate=0.2,
        wrong_refund_rate=0.5,
        missing_item_rate=0.2,
        unexpected_item_rate=0.2,
        odd_reason_rate=0.5,
    )
    returns = list(sim.state.returns.values())
    assert any(ret.status == "CANCELLED" for ret in returns)
    assert any(ret.client_order_id.startswith("CT-UNSYNCED-") for ret in returns)
    dispositions = {item.disposition for ret in returns for item in ret.items}
    assert {"MISSING", "UNEXPECTED_ITEM"} <= dispositions
    assert any(item.reason_code in sim.options.odd_reason_codes for ret in returns for item in ret.items)
    stale = 0
    for ret in returns:
        if ret.refund is None:
            continue
        for refund_line in ret.refund.lines:
            item = next(item for item in ret.items if item.client_item_id == refund_line.clientItemId)
            assert item.unit_price is not None
            expected = Money.parse(item.unit_price, ret.currency).times(refund_line.quantity)
            stale += not expected.same_value(ret.refund.line_amounts()[refund_line.clientItemId])
    assert stale > 0


def test_time_only_moves_forward_and_steps_run_in_due_order() -> None:
    sim = Simulator(SimOptions(seed=2))
    sim.schedule_day(5, over_seconds=3600)
    assert sim.advance(0) == 0
    times = []
    while (emitted := sim.step()) is not None:
        times.append(emitted.event.createdAt)
    assert times == sorted(times)
    assert len({ret.return_id for ret in sim.state.returns.values()}) == 5


def _booked_per_line(sim: Simulator) -> dict[tuple[str, str], int]:
    booked: dict[tuple[str, str], int] = {}
    for ret in sim.state.returns.values():
        for item in ret.items:
            if item.client_item_id is None:  # an unexpected item the hub found: not booked
                continue
            key = (ret.client_order_id, item.client_item_id)
            booked[key] = booked.get(key, 0) + item.quantity_expected
    return booked


def _ordered_per_line(sim: Simulator) -> dict[tuple[str, str], int]:
    return {
        (stored.order.clientOrderId, item.clientItemId): item.quantity
        for stored in sim.state.orders.values()
        for item in stored.order.items
    }


def test_the_portal_never_books_more_than_a_customer_can_still_return() -> None:
    # 40 small orders and 200 returns: most lines are returned in full, so the portal must look elsewhere.
    sim = _day(5, orders=40, returns=200)
    ordered = _ordered_per_line(sim)
    booked = _booked_per_line(sim)
    assert booked, "returns were booked"
    assert all(units <= ordered[key] for key, units in booked.items())
    assert sum(booked.values()) > sum(ordered.values()) // 2, "the day used up most of what was returnable"


def test_an_over_return_rate_books_more_than_was_ordered_on_purpose() -> None:
    sim = _day(5, orders=40, returns=20, over_return_rate=1.0)
    ordered = _ordered_per_line(sim)
    assert all(units > ordered[key] for key, units in _booked_per_line(sim).items())
