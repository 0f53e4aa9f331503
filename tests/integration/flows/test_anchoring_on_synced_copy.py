"""Anchoring on the order as order sync kept it, against the commercetools simulator over HTTP: one
request when the copy is current; a copy the order has moved past (an edit, another write) costs a
409, then a read by id and a validation on the fresh order, so nothing is written on stale lines and
nothing twice; a copy past its retention is deleted by the retention job, and a late return looks the
order up by number."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from backflow.app.core import keys
from backflow.app.core.messages import outbox_message
from backflow.app.core.policies import SnapshotRetentionPolicy
from backflow.app.orders.prune_snapshots import prune_order_snapshots
from backflow.devtools.commercetools_sim.keys import STATE
from backflow.domain.commands import SyncOrder
from backflow.domain.return_case import Position
from backflow.ports.commerce_types import ReturnItemRequest
from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import (
    edit_order,
    evidence,
    exceptions,
    order_number,
    run_job,
    settle,
    store_rebound_events,
)

pytestmark = pytest.mark.anyio


def _requests(world: World) -> dict[str, int]:
    assert world.ct.app is not None
    stats = world.ct.app[STATE].stats
    return {k: v for k, v in stats.items() if k.startswith(("call ", "conflict ")) and "oauth" not in k}


def _since(world: World, before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in _requests(world).items() if v != before.get(k, 0)}


async def _synced_order(world: World, lines: list[tuple[str, int, int]]) -> dict[str, Any]:
    order = await world.order(lines, number=order_number())
    await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), f"sync-{order['id']}"))
    assert await settle(world.wiring, world.registry) == []
    async with world.wiring.store.unit_of_work() as reads:
        kept = await reads.orders.snapshot(order["orderNumber"])
    assert kept is not None and kept.version == order["version"]
    return order


async def _state(world: World, return_id: str) -> str:
    async with world.wiring.store.unit_of_work() as reads:
        record = await reads.returns.get(return_id)
    assert record is not None
    return record.state


async def test_a_synced_order_is_anchored_in_one_request_on_its_kept_version(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 2, 3500)])
        rid, bodies = world.script(order, [item(order)], [{"event": "created"}])
        before = _requests(world)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert _since(world, before) == {"call POST /orders/{id}": 1}  # no lookup, no read
        assert await _state(world, rid) == Position.ANCHORED
        [info] = (await world.ct_order(order["id"]))["returnInfo"]
        assert [i["lineItemId"] for i in info["items"]] == [order["lineItems"][0]["id"]]
        async with world.wiring.store.unit_of_work() as reads:
            assert await reads.orders.snapshot(order["orderNumber"]) is None  # stale now: dropped


async def test_a_line_removed_after_the_sync_is_a_mismatch_and_nothing_is_written(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 1, 3500), ("CAP-S", 1, 1500)])
        removed = order["lineItems"][1]["id"]
        await edit_order(world, order["id"], [{"action": "removeLineItem", "lineItemId": removed}])
        rid, bodies = world.script(order, [item(order, 1)], [{"event": "created"}])
        before = _requests(world)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        # Planned on the kept copy (the line still there): refused with 409, read again, validated.
        assert _since(world, before) == {
            "call POST /orders/{id}": 1,
            "conflict POST /orders/{id}": 1,
            "call GET /orders/{id}": 1,
        }
        [mismatch] = await exceptions(world.wiring, "return_order_mismatch")
        assert mismatch.return_id == rid
        assert [p["rule"] for p in evidence(mismatch)["problems"]] == ["LineIsOnTheOrder"]
        assert (await world.ct_order(order["id"]))["returnInfo"] == []
        assert await _state(world, rid) == Position.AWAITING_ORDER


async def test_a_quantity_reduced_below_the_return_after_the_sync_is_a_mismatch(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 3, 3500)])
        line = order["lineItems"][0]["id"]
        await edit_order(
            world, order["id"], [{"action": "changeLineItemQuantity", "lineItemId": line, "quantity": 1}]
        )
        rid, bodies = world.script(order, [item(order, quantity=2)], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        [mismatch] = await exceptions(world.wiring, "return_order_mismatch")
        assert [p["rule"] for p in evidence(mismatch)["problems"]] == ["ReturnedQuantityWithinOrdered"]
        assert evidence(mismatch)["order_version"] > order["version"]  # judged on the edited order
        assert (await world.ct_order(order["id"]))["returnInfo"] == []
        assert await _state(world, rid) == Position.AWAITING_ORDER


async def test_a_second_return_of_an_order_is_validated_against_the_first(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 2, 3500)])
        first, bodies = world.script(order, [item(order, quantity=2)], [{"event": "created"}])
        second, more = world.script(order, [item(order, quantity=1)], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        before = _requests(world)
        await store_rebound_events(world.wiring, more)
        assert await settle(world.wiring, world.registry) == []
        # The first anchoring's write left the kept copy behind, so it was dropped: the second return
        # looks the order up, which says 2 of 2 returned already, and writes nothing.
        assert _since(world, before) == {"call GET /orders/order-number=…": 1}
        assert await _state(world, first) == Position.ANCHORED
        [mismatch] = await exceptions(world.wiring, "return_order_mismatch")
        assert mismatch.return_id == second
        [info] = (await world.ct_order(order["id"]))["returnInfo"]
        assert [i["quantity"] for i in info["items"]] == [2]


async def test_return_info_written_by_a_lost_attempt_is_not_written_twice(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 2, 3500)])
        rid, bodies = world.script(order, [item(order)], [{"event": "created"}])
        # An earlier attempt's write took effect but its answer was lost: the kept copy is stale.
        rebound_item = world.rebound.state.returns[rid].items[0].rebound_item_id
        request = ReturnItemRequest(
            key=keys.return_item_key(rebound_item), quantity=1, line_item_id=order["lineItems"][0]["id"]
        )
        await world.wiring.commerce.add_return_info(order["id"], [request], return_tracking_id=rid)
        before = _requests(world)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        # 409 on the kept copy, the fresh order already has the item: no second write.
        assert _since(world, before) == {
            "call POST /orders/{id}": 1,
            "conflict POST /orders/{id}": 1,
            "call GET /orders/{id}": 1,
        }
        assert await _state(world, rid) == Position.ANCHORED
        [info] = (await world.ct_order(order["id"]))["returnInfo"]
        assert [i["key"] for i in info["items"]] == [request.key]


async def test_a_line_added_after_the_sync_anchors_on_the_edited_order(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 1, 3500)])
        added = {
            "action": "addLineItem",
            "sku": "CAP-S",
            "quantity": 1,
            "externalPrice": {"currencyCode": "GBP", "centAmount": 1500},
        }
        await edit_order(world, order["id"], [added])
        edited = await world.ct_order(order["id"])
        rid, bodies = world.script(edited, [item(edited, 1)], [{"event": "created"}])
        before = _requests(world)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        # The kept copy lacks the line: not trusted to refuse, the order is read and the return anchored.
        assert _since(world, before) == {"call GET /orders/{id}": 1, "call POST /orders/{id}": 1}
        assert await _state(world, rid) == Position.ANCHORED
        assert await exceptions(world.wiring, "return_order_mismatch") == []


async def test_a_copy_past_its_retention_is_pruned_and_a_late_return_looks_the_order_up(world: World) -> None:
    with anyio.fail_after(30):
        order = await _synced_order(world, [("TEE-M", 2, 3500)])
        await run_job(world.wiring, prune_order_snapshots)
        async with world.wiring.store.unit_of_work() as reads:
            assert await reads.orders.snapshot(order["orderNumber"]) is not None  # within 30 days: kept
        world.clock.advance(31 * 86400)
        await run_job(world.wiring, prune_order_snapshots)
        async with world.wiring.store.unit_of_work() as reads:
            assert await reads.orders.snapshot(order["orderNumber"]) is None
        rid, bodies = world.script(order, [item(order)], [{"event": "created"}])
        before = _requests(world)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        # One request more than on the kept copy: the lookup by number, then the write at its version.
        assert _since(world, before) == {"call GET /orders/order-number=…": 1, "call POST /orders/{id}": 1}
        assert await _state(world, rid) == Position.ANCHORED
        [info] = (await world.ct_order(order["id"]))["returnInfo"]
        assert [i["lineItemId"] for i in info["items"]] == [order["lineItems"][0]["id"]]


async def test_one_run_of_the_retention_deletes_at_most_its_batches(world: World) -> None:
    with anyio.fail_after(30):
        orders = [await _synced_order(world, [("TEE-M", 1, 3500)]) for _ in range(3)]
        world.clock.advance(31 * 86400)
        policy = SnapshotRetentionPolicy(retention_days=30, batch_size=1, max_batches=2)
        await prune_order_snapshots(store=world.wiring.store, snapshot_retention_policy=policy)
        async with world.wiring.store.unit_of_work() as reads:
            left = [o["id"] for o in orders if await reads.orders.snapshot(o["id"]) is not None]
        assert len(left) == 1  # two batches of one: the third waits for the next run
        await prune_order_snapshots(store=world.wiring.store, snapshot_retention_policy=policy)
        async with world.wiring.store.unit_of_work() as reads:
            assert await reads.orders.snapshot(left[0]) is None
