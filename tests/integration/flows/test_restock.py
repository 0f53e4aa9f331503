"""Restock after grading: sellable once, damaged written off, outlet channel, missing and unexpected items."""

from __future__ import annotations

import anyio
import pytest

from backflow.app.core.messages import outbox_message
from backflow.domain.commands import RestockItems
from tests.integration.flows.conftest import OUTLET, World, file_config, item
from tests.integration.flows.support import drain, exceptions, order_number, settle, store_rebound_events

GRADED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]


def graded(grades: dict[str, list[str]]) -> list[dict[str, object]]:
    return [*GRADED, {"event": "items_graded", "grades": grades}]


async def _items(world: World, order_id: str) -> list[dict[str, object]]:
    return [i for info in (await world.ct_order(order_id))["returnInfo"] for i in info["items"]]


@pytest.mark.anyio
async def test_a_sellable_item_is_restocked_exactly_once_and_back_in_stock(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 2, 3500)], number=order_number())
        await world.ct.create_inventory("TEE-M", 10, world.wiring.settings.file.policies.supply_channel_id)
        line = order["lineItems"][0]["id"]
        rid, bodies = world.script(order, [item(order, quantity=2)], graded({line: ["A", "SELLABLE"]}))
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await world.stock("TEE-M") == 12
        [returned] = await _items(world, order["id"])
        assert returned["shipmentState"] == "BackInStock"
        async with world.wiring.store.unit_of_work() as uow:
            [movement] = await uow.stock.for_return(rid)
        assert (movement.state, movement.quantity, movement.inventory_version) == (
            "applied",
            2,
            movement.inventory_version,
        )
        assert movement.inventory_version is not None
        ack_types = [a["type"] for a in world.rebound.state.acknowledgements[rid].values()]
        assert ack_types == ["RESTOCKED"]
        # The restock handled again (a redelivered row): the marker and the ledger stop a second movement.
        ids = tuple(i.rebound_item_id for i in world.rebound.state.returns[rid].items)
        await world.wiring.outbox.append(
            outbox_message(RestockItems(return_id=rid, rebound_item_ids=ids), "again")
        )
        assert await drain(world.wiring, world.registry) == []
        assert await world.stock("TEE-M") == 12


@pytest.mark.anyio
async def test_a_damaged_item_adds_no_stock_and_is_unusable(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        await world.ct.create_inventory("TEE-M", 10, world.wiring.settings.file.policies.supply_channel_id)
        rid, bodies = world.script(
            order, [item(order)], graded({order["lineItems"][0]["id"]: ["D", "DAMAGED"]})
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await world.stock("TEE-M") == 10
        [returned] = await _items(world, order["id"])
        assert returned["shipmentState"] == "Unusable"
        async with world.wiring.store.unit_of_work() as uow:
            assert await uow.stock.for_return(rid) == []


@pytest.mark.anyio
async def test_outlet_goods_go_to_the_outlet_channel_when_one_is_configured(world: World) -> None:
    with anyio.fail_after(30):
        world = world.with_config(file_config(outlet_channel_id=OUTLET))
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        await world.ct.create_inventory("TEE-M", 10, world.wiring.settings.file.policies.supply_channel_id)
        await world.ct.create_inventory("TEE-M", 0, OUTLET)
        _, bodies = world.script(order, [item(order)], graded({order["lineItems"][0]["id"]: ["C", "OUTLET"]}))
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert (await world.stock("TEE-M", OUTLET), await world.stock("TEE-M")) == (1, 10)
        [returned] = await _items(world, order["id"])
        assert returned["shipmentState"] == "BackInStock"


@pytest.mark.anyio
async def test_missing_and_unexpected_items_raise_operations_exceptions(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500), ("CAP", 1, 1500)], number=order_number())
        await world.ct.create_inventory("CAP", 5, world.wiring.settings.file.policies.supply_channel_id)
        tee, cap = (line["id"] for line in order["lineItems"])
        steps = [
            {"event": "created"},
            {"event": "delivered"},
            {
                "event": "items_registered",
                "received": {tee: 0},
                "unexpected": [{"sku": "FOREIGN", "quantity": 1}],
            },
            {"event": "items_graded", "grades": {cap: ["A", "SELLABLE"]}},
        ]
        rid, bodies = world.script(order, [item(order, 0), item(order, 1)], steps)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        [missing] = await exceptions(world.wiring, "missing_item")
        [unexpected] = await exceptions(world.wiring, "unexpected_item")
        assert missing.owner == unexpected.owner == "operations"
        assert missing.return_id == unexpected.return_id == rid
        assert await world.stock("CAP") == 6


@pytest.mark.anyio
async def test_restock_failures_are_retried_then_raised_for_operations(world: World) -> None:
    with anyio.fail_after(30):
        world = world.with_config(file_config(restock_failure_attempts=1))
        order = await world.order([("NO-ENTRY", 1, 3500)], number=order_number())  # no inventory entry at all
        rid, bodies = world.script(
            order, [item(order)], graded({order["lineItems"][0]["id"]: ["A", "SELLABLE"]})
        )
        await store_rebound_events(world.wiring, bodies)
        errors = await settle(world.wiring, world.registry)
        assert errors and all(error.startswith("RestockItems") for error in errors)
        [failed] = await exceptions(world.wiring, "restock_failed")
        assert failed.owner == "operations" and failed.return_id == rid
