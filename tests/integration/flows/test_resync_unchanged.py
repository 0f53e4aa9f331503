"""A newer order version that maps to the sales order ReBound already has (Backflow's own return
writes move the version) is recorded as synced without a call, keeping the lag of the sync that
changed the portal; an order edit changes the sales order and is sent, with its lag."""

from __future__ import annotations

import dataclasses
from typing import Any

import anyio
import pytest

from backflow.app.bootstrap.wiring import Wiring
from backflow.app.core.messages import outbox_message
from backflow.app.orders.sweep_orders import sweep_orders
from backflow.domain.commands import SyncOrder
from backflow.domain.return_case import Position
from backflow.ports.synced_orders import SyncedOrder
from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import edit_order, order_number, run_job, settle, store_rebound_events

pytestmark = pytest.mark.anyio


class CountingPlatform:
    """The wired ReBound client, counting its sales-order upserts."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.upserts = inner, 0

    def __getattr__(self, name: str) -> Any:
        if name == "upsert_sales_order":
            self.upserts += 1
        return getattr(self.inner, name)


async def _synced(wiring: Wiring, order_id: str) -> SyncedOrder:
    async with wiring.store.unit_of_work() as reads:
        synced = await reads.orders.get(order_id)
    assert synced is not None
    return synced


async def test_a_version_made_by_our_return_write_is_not_sent_again_and_keeps_its_lag(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 2, 3500)], number=order_number())
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), "sync-first"))
        assert await settle(world.wiring, world.registry) == []
        first = await _synced(world.wiring, order["id"])
        assert first.payload_digest is not None and first.lag_seconds is not None
        # A return anchored: Backflow writes its return info, and the order's version moves.
        rid, bodies = world.script(order, [item(order)], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        async with world.wiring.store.unit_of_work() as reads:
            anchored = await reads.returns.get(rid)
        assert anchored is not None and anchored.state == Position.ANCHORED
        moved = (await world.ct_order(order["id"]))["version"]
        assert moved > first.ct_version
        # The sweep, a while later, finds the newer version: recorded, not sent, its lag not replaced.
        world.clock.advance(30)
        platform = CountingPlatform(world.wiring.platform)
        wiring = dataclasses.replace(world.wiring, platform=platform)
        await run_job(wiring, sweep_orders)
        assert await settle(wiring, world.registry) == []
        assert platform.upserts == 0
        after = await _synced(wiring, order["id"])
        assert after.ct_version == moved and after.status == "synced"
        assert (after.lag_seconds, after.last_synced_at) == (first.lag_seconds, first.last_synced_at)
        assert after.payload_digest == first.payload_digest and after.resyncs_skipped == 1
        assert world.store is not None and (await world.store.admin.sync_lag()).resyncs_skipped == 1
        await run_job(wiring, sweep_orders)  # synced at this version: nothing new staged
        assert await wiring.outbox.claim("t", limit=5, lease_seconds=5) == []
        # An order edit (a line's quantity) changes what the customer sees: sent, with its lag.
        line = order["lineItems"][0]["id"]
        await edit_order(
            world, order["id"], [{"action": "changeLineItemQuantity", "lineItemId": line, "quantity": 1}]
        )
        await run_job(wiring, sweep_orders)
        assert await settle(wiring, world.registry) == []
        assert platform.upserts == 1
        edited = await _synced(wiring, order["id"])
        assert edited.ct_version == (await world.ct_order(order["id"]))["version"]
        assert edited.payload_digest != first.payload_digest and edited.resyncs_skipped == 1
        assert edited.last_synced_at is not None and first.last_synced_at is not None
        assert edited.last_synced_at > first.last_synced_at and edited.lag_seconds != first.lag_seconds
        assert world.rebound.state.orders[order["orderNumber"]].order.items[0].quantity == 1
