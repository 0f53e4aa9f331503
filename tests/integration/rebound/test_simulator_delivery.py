"""The simulator delivering to the real webhook intake: shuffled, duplicated, retried, all stored once."""

from __future__ import annotations

import random

import aiohttp
import anyio
import pytest
from aiohttp.test_utils import TestServer

from backflow.adapters.memory.inbox import InMemoryInbox
from backflow.devtools.rebound_sim import SimOptions, Simulator
from backflow.domain.return_snapshot import decode_return_event, newest
from tests.rebound_support import SECRET

pytestmark = pytest.mark.anyio

SCRIPT = {
    "clientOrderId": "CT-100045",
    "flow": "STANDARD",
    "items": [
        {
            "clientItemId": "line-1",
            "sku": "TEE",
            "quantity": 2,
            "unitPrice": "35.00",
            "reasonCode": "Too large",
        }
    ],
    "steps": [
        {"event": "created"},
        {"event": "in_transit"},
        {"event": "arrived_at_hub"},
        {"event": "delivered"},
        {"event": "items_registered", "received": {"line-1": 1}},
        {"event": "refund", "milestone": "HUB_RECEIVED"},
        {"event": "items_graded", "grades": {"line-1": ["B", "SELLABLE_REPACK"]}},
        {"event": "processed"},
    ],
}


def _simulator(server: TestServer, **options: object) -> Simulator:
    url = str(server.make_url("/webhooks/rebound"))
    return Simulator(SimOptions(seed=11, webhook_url=url, webhook_secrets=(SECRET,), **options))  # type: ignore[arg-type]


async def test_shuffled_events_all_arrive_and_the_newest_sequence_wins(
    webhook_server, inbox: InMemoryInbox
) -> None:
    sim = _simulator(webhook_server)
    order = list(range(len(SCRIPT["steps"])))
    random.Random(5).shuffle(order)
    ret, event_ids = sim.script({**SCRIPT, "deliveryOrder": order})
    with anyio.fail_after(10):
        async with aiohttp.ClientSession() as session:
            attempts = await sim.deliverer.flush(session, sim.now)
    assert [attempt.event_id for attempt in attempts] == [event_ids[index] for index in order]
    assert all(attempt.outcome == "delivered" for attempt in attempts)
    events = [decode_return_event(stored.body) for stored in inbox.events]
    assert [event.id for event in events] == [event_ids[index] for index in order]
    latest = newest(events)
    assert latest is not None and latest.id == event_ids[-1]
    assert latest.data.order.status == "PROCESSED"
    assert latest.data.items[0].quantityReceived == 1
    assert latest.data.refund is not None and latest.data.refund.totalAmount == "35.00"
    assert ret.history[5] == "refund.triggered"


async def test_duplicates_are_stored_once(webhook_server, inbox: InMemoryInbox) -> None:
    sim = _simulator(webhook_server, duplicate_rate=1.0, out_of_order_rate=1.0)
    _, event_ids = sim.script(SCRIPT)
    with anyio.fail_after(10):
        async with aiohttp.ClientSession() as session:
            sim.advance(10)
            attempts = await sim.deliverer.flush(session, sim.now)
    assert len(attempts) == 2 * len(event_ids)
    assert sorted(stored.source_id for stored in inbox.events) == sorted(event_ids)
    assert all(sim.deliverer.delivered.values())


async def test_refused_deliveries_are_retried_with_backoff_until_accepted(
    webhook_server, inbox: InMemoryInbox
) -> None:
    sim = _simulator(webhook_server)
    sim.options.webhook_secrets = ("a-secret-backflow-does-not-know",)
    _, event_ids = sim.script({**SCRIPT, "steps": SCRIPT["steps"][:2]})
    with anyio.fail_after(10):
        async with aiohttp.ClientSession() as session:
            first = await sim.deliverer.flush(session, sim.now)
            assert {(attempt.outcome, attempt.http_status) for attempt in first} == {("failed", 401)}
            assert await sim.deliverer.flush(session, sim.now) == []  # not due before the backoff
            sim.options.webhook_secrets = ("rotating-in", SECRET)  # ReBound signs with both during rotation
            sim.advance(2 * sim.options.retry_base)
            second = await sim.deliverer.flush(session, sim.now)
    assert [(attempt.outcome, attempt.attempt) for attempt in second] == [("delivered", 2)] * 2
    assert [stored.headers["ReBound-Delivery-Attempt"] for stored in inbox.events] == ["2", "2"]
    assert sorted(stored.source_id for stored in inbox.events) == sorted(event_ids)


def test_a_delivery_is_abandoned_after_the_retry_window() -> None:
    sim = Simulator(SimOptions(retry_base=30.0, retry_window=100.0))
    sim.script({**SCRIPT, "steps": SCRIPT["steps"][:1]})
    [delivery] = sim.deliverer.pending
    outcomes = []
    for _ in range(10):
        outcomes.append(sim.deliverer._reschedule(delivery, delivery.due_at))
        if outcomes[-1] == "abandoned":
            break
    assert outcomes[-1] == "abandoned"
    assert outcomes[:-1] and set(outcomes[:-1]) == {"failed"}
    assert sim.deliverer.pending == []
