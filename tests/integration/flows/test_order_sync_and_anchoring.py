"""Order sync (lag, held returns woken), the order-sync race, orphans and return/order mismatches."""

from __future__ import annotations

import dataclasses

import anyio
import pytest

from backflow.app.core.cases import load
from backflow.app.core.declarations import ROW_COMPLETED
from backflow.app.core.messages import outbox_message
from backflow.app.orders.poll_messages import poll_commerce_messages
from backflow.app.orders.sweep_orders import sweep_orders
from backflow.app.returns.held_returns import sweep_held_returns
from backflow.devtools.commercetools_sim.keys import STATE
from backflow.devtools.rebound_sim import flows
from backflow.domain.commands import SyncOrder
from backflow.domain.return_case import Position
from tests.integration.flows.conftest import World, file_config, item
from tests.integration.flows.support import (
    drain,
    drain_wide,
    evidence,
    exceptions,
    order_number,
    process_inbox,
    run_job,
    settle,
    store_rebound_events,
)


async def _state(world: World, return_id: str) -> str:
    async with world.wiring.store.unit_of_work() as uow:
        record = await uow.returns.get(return_id)
    assert record is not None
    return record.state


@pytest.mark.anyio
async def test_polled_order_messages_sync_the_order_to_rebound_with_its_lag(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 2, 3500)], number=order_number())
        await run_job(world.wiring, poll_commerce_messages)
        await run_job(world.wiring, poll_commerce_messages)  # the cursor moved on: nothing stored twice
        assert await settle(world.wiring, world.registry) == []
        stored = world.rebound.state.orders[order["orderNumber"]].order
        assert stored.items[0].unitPrice == "35.00" and stored.customFields.ctOrderId == order["id"]
        async with world.wiring.store.unit_of_work() as uow:
            synced = await uow.orders.get(order["id"])
        assert synced is not None and synced.status == "synced" and synced.lag_seconds is not None
        assert 0 <= synced.lag_seconds < 60
        assert await exceptions(world.wiring) == []


@pytest.mark.anyio
async def test_a_late_sync_raises_order_sync_lagging(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        world.clock.advance(3600)
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), "sync-late"))
        assert await drain(world.wiring, world.registry) == []
        [lagging] = await exceptions(world.wiring, "order_sync_lagging")
        assert lagging.owner == "cx" and evidence(lagging)["lag_seconds"] >= 3600


@pytest.mark.anyio
async def test_a_sync_completes_its_row_in_the_commit_that_records_the_synced_order(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), "sync-one-commit"))
        [row] = await world.wiring.outbox.claim("order_sync@test", limit=1, lease_seconds=30)
        assert world.store is not None
        writes = world.store.writer.operations
        result = await world.wiring.dependencies().run(world.registry.outbox_handlers[row.kind], row)
        assert result is ROW_COMPLETED
        assert world.store.writer.operations == writes + 1, "the synced order and the completion: one write"
        [*_, last] = await world.wiring.outbox.history(row.id)
        assert last.to_status == "done" and last.actor == "order_sync@test"
        async with world.wiring.store.unit_of_work() as uow:
            synced = await uow.orders.get(order["id"])
        assert synced is not None and synced.status == "synced"
        assert not await world.wiring.outbox.complete(row.id, "order_sync@test"), "nothing left to complete"


@pytest.mark.anyio
async def test_the_sweep_finds_orders_the_messages_missed(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        await run_job(world.wiring, sweep_orders)
        assert await drain(world.wiring, world.registry) == []
        assert order["orderNumber"] in world.rebound.state.orders
        await run_job(world.wiring, sweep_orders)  # synced at this version: nothing new staged
        assert await world.wiring.outbox.claim("t", limit=5, lease_seconds=5) == []


@pytest.mark.anyio
async def test_a_return_before_its_order_is_held_then_anchored_when_the_order_syncs(world: World) -> None:
    with anyio.fail_after(30):
        number = order_number()
        future_items = [{"clientItemId": "not-yet", "sku": "TEE-M", "quantity": 1, "unitPrice": "35.00"}]
        rid, bodies = world.script(number, future_items, [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await _state(world, rid) == Position.AWAITING_ORDER
        assert [e.outcome for e in await world.wiring.timeline.for_return(rid)].count("held") == 1
        # The order arrives (ReBound's return names its line) and ReBound sends the next event.
        order = await world.order([("TEE-M", 1, 3500)], number=number)
        ret = world.rebound.state.returns[rid]
        ret.items[0].client_item_id = order["lineItems"][0]["id"]
        emitted = world.rebound._apply(ret, flows.Step("in_transit"), deliver=False)
        await store_rebound_events(world.wiring, [emitted.body])
        assert await settle(world.wiring, world.registry) == []
        assert await _state(world, rid) == Position.AWAITING_ORDER  # events alone do not re-anchor
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), "sync-now"))
        assert await settle(world.wiring, world.registry) == []
        assert await _state(world, rid) == Position.ANCHORED
        actions = [e.action for e in await world.wiring.timeline.for_return(rid)]
        assert actions.index("order synced: anchoring woken") < actions.index("addReturnInfo")
        [info] = (await world.ct_order(order["id"]))["returnInfo"]
        assert len(info["items"]) == 1
        assert await exceptions(world.wiring, "orphan_return") == []


@pytest.mark.anyio
async def test_a_return_whose_order_never_comes_becomes_an_orphan_past_the_horizon(world: World) -> None:
    with anyio.fail_after(30):
        rid, bodies = world.script(
            "CT-NEVER",
            [{"clientItemId": "x", "sku": "S", "quantity": 1, "unitPrice": "1.00"}],
            [{"event": "created"}],
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await exceptions(world.wiring, "orphan_return") == []
        world.clock.advance(3601)
        await run_job(world.wiring, sweep_held_returns)
        assert await drain(world.wiring, world.registry) == []
        await run_job(world.wiring, sweep_held_returns)
        assert await drain(world.wiring, world.registry) == []
        [orphan] = await exceptions(world.wiring, "orphan_return")
        assert orphan.owner == "cx" and orphan.return_id == rid and orphan.order_ref == "CT-NEVER"
        assert orphan.count == 2  # seen again: the same exception, not a new one
        found = evidence(orphan)
        assert found["retry"] == {
            "kind": "AnchorReturn",
            "payload": {"type": "AnchorReturn", "return_id": rid, "client_order_id": "CT-NEVER"},
            "idempotency_key": f"anchor:{rid}",
        }
        assert await _state(world, rid) == Position.AWAITING_ORDER


@pytest.mark.anyio
async def test_a_wrong_sku_is_a_mismatch_and_nothing_is_written(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(order, [item(order, sku="OTHER-SKU")], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        [mismatch] = await exceptions(world.wiring, "return_order_mismatch")
        assert mismatch.owner == "cx"
        assert [p["rule"] for p in evidence(mismatch)["problems"]] == ["SkuMatchesTheLine"]
        assert (await world.ct_order(order["id"]))["returnInfo"] == []
        assert await _state(world, rid) == Position.AWAITING_ORDER


@pytest.mark.anyio
async def test_more_units_across_returns_than_ordered_is_a_mismatch(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 2, 3500)], number=order_number())
        first, bodies = world.script(order, [item(order, quantity=2)], [{"event": "created"}])
        second, more = world.script(order, [item(order, quantity=1)], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        await store_rebound_events(world.wiring, more)
        assert await settle(world.wiring, world.registry) == []
        assert await _state(world, first) == Position.ANCHORED
        [mismatch] = await exceptions(world.wiring, "return_order_mismatch")
        assert mismatch.return_id == second
        assert [p["rule"] for p in evidence(mismatch)["problems"]] == ["ReturnedQuantityWithinOrdered"]


@pytest.mark.anyio
async def test_a_sync_that_keeps_failing_is_an_exception_and_keeps_retrying(world: World) -> None:
    with anyio.fail_after(30):
        world = world.with_config(file_config(order_sync_failure_attempts=1))
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        world.rebound_faults["fail_next"] = 100  # ReBound answers 503 to everything
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), "sync-failing"))
        errors = await drain(world.wiring, world.registry)
        assert errors and errors[0].startswith("SyncOrder")
        [failing] = await exceptions(world.wiring, "order_sync_failing")
        assert failing.owner == "cx" and evidence(failing)["retry"]["kind"] == "SyncOrder"
        async with world.wiring.store.unit_of_work() as uow:
            synced = await uow.orders.get(order["id"])
        assert synced is not None and synced.status == "failing" and synced.attempts == 1
        assert [d.kind for d in await world.monitor.queue_depth() if d.status == "pending"] == ["SyncOrder"]


@pytest.mark.anyio
async def test_two_returns_of_one_unit_anchored_at_once_anchor_only_one(world: World) -> None:
    # Found by the chaos run: both read the order before either wrote, and both were anchored.
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        first, bodies = world.script(order, [item(order)], [{"event": "created"}])
        second, more = world.script(order, [item(order)], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies + more)
        await process_inbox(world.wiring, world.registry)
        # Both anchorings are due, but they share the order's lock key: the store hands out one.
        [row] = await world.wiring.outbox.claim("test-race", limit=10, lease_seconds=30)
        assert row.kind == "AnchorReturn" and row.lock_key == f"order:{order['orderNumber']}"
        assert await world.wiring.outbox.claim("test-race-2", limit=10, lease_seconds=30) == []
        result = await world.wiring.dependencies().run(world.registry.outbox_handlers[row.kind], row)
        assert result is ROW_COMPLETED  # the anchoring's own commit completed its row
        assert not await world.wiring.outbox.complete(row.id, "test-race"), "nothing left to complete"
        assert await drain_wide(world.wiring, world.registry) == []
        returned = (await world.ct_order(order["id"]))["returnInfo"]
        assert sum(i["quantity"] for info in returned for i in info["items"]) == 1
        states = sorted([await _state(world, first), await _state(world, second)])
        assert states == sorted([Position.ANCHORED, Position.AWAITING_ORDER])
        assert len(await exceptions(world.wiring, "return_order_mismatch")) == 1


@pytest.mark.anyio
async def test_an_announced_version_already_synced_costs_no_commercetools_read(world: World) -> None:
    # The surge benchmark saw each order synced two or three times (push, message poll, sweep).
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        command = SyncOrder(order_id=order["id"], version=order["version"])
        await world.wiring.outbox.append(outbox_message(command, "sync-first"))
        assert await drain(world.wiring, world.registry) == []
        reads: list[str] = []
        commerce = world.wiring.commerce

        class Counting:
            def __getattr__(self, name: str) -> object:
                reads.append(name)
                return getattr(commerce, name)

        wiring = dataclasses.replace(world.wiring, commerce=Counting())  # type: ignore[arg-type]
        await wiring.outbox.append(outbox_message(command, "sync-again"))
        assert await drain(wiring, world.registry) == []
        assert reads == []
        newer = SyncOrder(order_id=order["id"], version=order["version"] + 1)
        await wiring.outbox.append(outbox_message(newer, "sync-newer"))
        assert await drain(wiring, world.registry) == []
        assert reads == ["get_order"]


@pytest.mark.anyio
async def test_an_order_created_message_carrying_the_order_syncs_it_without_reading_it_again(
    world: World,
) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        before = _order_reads(world)
        await run_job(world.wiring, poll_commerce_messages)  # OrderCreated carries the order at version 1
        assert await settle(world.wiring, world.registry) == []
        assert order["orderNumber"] in world.rebound.state.orders
        assert _order_reads(world) == before  # the message's own copy was synced: no GET of the order
        async with world.wiring.store.unit_of_work() as uow:
            synced = await uow.orders.get(order["id"])
        assert synced is not None and synced.status == "synced" and synced.ct_version == 1
        # A command that carries no order (the sweep, an edit message) still reads it: one read. The
        # order is at version 2 since its payment was added.
        assert order["version"] == 2
        newer = SyncOrder(order_id=order["id"], version=order["version"])
        await world.wiring.outbox.append(outbox_message(newer, "sync-newer"))
        assert await drain(world.wiring, world.registry) == []
        assert _order_reads(world) == before + 1


def _order_reads(world: World) -> int:
    """GETs of one order by id, as the commercetools simulator counts calls by route (`/_sim/stats`)."""
    assert world.ct.app is not None
    return int(world.ct.app[STATE].stats.get("call GET /orders/{id}", 0))


@pytest.mark.anyio
async def test_anchoring_that_loses_to_the_inbox_on_the_case_version_reapplies_at_once(world: World) -> None:
    # The surge benchmark: a return's webhooks arrive together, so the inbox processor updates the
    # case while anchoring waits on commercetools; the anchoring commit then meets a stale version.
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(order, [item(order)], [{"event": "created"}, {"event": "in_transit"}])
        await store_rebound_events(world.wiring, bodies[:1])
        await process_inbox(world.wiring, world.registry)
        [row] = await world.wiring.outbox.claim("test-race", limit=10, lease_seconds=30)
        assert row.kind == "AnchorReturn"
        await store_rebound_events(world.wiring, bodies[1:])
        written, inbox_done = anyio.Event(), anyio.Event()
        calls: list[str] = []
        commerce = world.wiring.commerce

        class Gated:
            """commercetools as is, but anchoring waits after its write until the inbox has run."""

            def __getattr__(self, name: str) -> object:
                return getattr(commerce, name)

            async def add_return_info(self, *args: object, **kwargs: object) -> object:
                calls.append("add_return_info")
                answer = await commerce.add_return_info(*args, **kwargs)  # type: ignore[arg-type]
                written.set()
                await inbox_done.wait()
                return answer

        wiring = dataclasses.replace(world.wiring, commerce=Gated())  # type: ignore[arg-type]

        async def inbox_meanwhile() -> None:
            await written.wait()
            assert await process_inbox(world.wiring, world.registry) == 1  # the in_transit event
            inbox_done.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(inbox_meanwhile)
            # The first commit loses on the case's version; the re-applied one completes the row.
            result = await wiring.dependencies().run(world.registry.outbox_handlers[row.kind], row)
        assert result is ROW_COMPLETED
        assert calls == ["add_return_info"]  # re-applied without asking commercetools again
        async with world.wiring.store.unit_of_work() as uow:
            record = await uow.returns.get(rid)
        assert record is not None and record.state == Position.ANCHORED
        case = load(record).case
        assert case.order_id == order["id"]
        assert case.rebound_status == "IN_TRANSIT" and case.last_sequence == 2  # the inbox's update kept
        assert len((await world.ct_order(order["id"]))["returnInfo"]) == 1
        assert not await world.wiring.outbox.complete(row.id, "test-race"), "nothing left to complete"
        assert await settle(world.wiring, world.registry) == []
