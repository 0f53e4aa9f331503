"""Each drift monitor against both simulators: its finding becomes one exception of the right type,
and seeing it again on the next run counts a sighting instead of adding another."""

from __future__ import annotations

import dataclasses
from typing import Any

import anyio
import pytest

from backflow.app.core import keys
from backflow.app.core.messages import outbox_message
from backflow.app.monitors.order_drift import check_orders_missing_in_rebound
from backflow.app.monitors.received_not_refunded import check_received_not_refunded
from backflow.app.monitors.refund_drift import check_refund_drift
from backflow.app.monitors.return_info_drift import check_return_info
from backflow.app.monitors.stock_drift import check_stock_drift
from backflow.app.monitors.stuck_returns import check_stuck_returns
from backflow.domain.commands import SyncOrder
from backflow.domain.money import Money
from backflow.ports.ledgers import Refund, RefundOutcome, RefundState, StockMovement, StockMovementState
from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import (
    drain,
    evidence,
    exceptions,
    order_number,
    run_job,
    settle,
    store_rebound_events,
)

RECEIVED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]
DAY = 86400


async def _returned(world: World, steps: list[dict[str, Any]]) -> tuple[dict[str, Any], str]:
    order = await world.order([("TEE-M", 2, 3500)], number=order_number())
    rid, bodies = world.script(order, [item(order, quantity=2)], steps)
    await store_rebound_events(world.wiring, bodies)
    assert await settle(world.wiring, world.registry) == []
    return order, rid


@pytest.mark.anyio
async def test_received_but_not_refunded_past_the_limit(world: World) -> None:
    with anyio.fail_after(30):
        _, rid = await _returned(world, RECEIVED)
        await run_job(world.wiring, check_received_not_refunded)
        assert await exceptions(world.wiring, "received_not_refunded") == [], "within the limit"
        world.clock.advance(3 * DAY + 60)
        await run_job(world.wiring, check_received_not_refunded)
        await run_job(world.wiring, check_received_not_refunded)
        [found] = await exceptions(world.wiring, "received_not_refunded")
        assert (found.owner, found.return_id, found.count) == ("finance", rid, 2)
        assert evidence(found)["units_owed"] and evidence(found)["waited_seconds"] > 3 * DAY


@pytest.mark.anyio
async def test_refund_ledger_against_the_payment_missing_extra_and_different(world: World) -> None:
    with anyio.fail_after(30):
        order, rid = await _returned(world, [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}])
        await run_job(world.wiring, check_refund_drift)
        assert await exceptions(world.wiring, "refund_drift") == [], "ledger and payment agree"
        payment = await world.ct_payment(order)
        gbp = Money.minor(100, "GBP")
        # extra: a refund on the payment that Backflow's ledger does not know (a manual one)
        await world.wiring.commerce.add_refund(payment["id"], gbp, "manual-refund-by-cx")
        # different: the ledger says 2.00 where the payment says 1.00
        await world.wiring.commerce.add_refund(payment["id"], gbp, "backflow-refund:other:1")
        lines = (await world.wiring.store.unit_of_work().refunds.for_return(rid))[0].lines
        async with world.wiring.store.unit_of_work() as uow:
            for iid, minor in (("backflow-refund:other:1", 200), ("backflow-refund:lost:1", 300)):
                uow.refunds.record(
                    Refund(
                        interaction_id=iid,
                        return_id=rid,
                        lines=lines,
                        amount_minor=minor,
                        currency="GBP",
                        payment_id=payment["id"],
                        outcome=RefundOutcome.ORIGINAL_PAYMENT,
                        state=RefundState.RECORDED,
                    )
                )
            await uow.commit()
        await run_job(world.wiring, check_refund_drift)
        await run_job(world.wiring, check_refund_drift)
        found = {evidence(e)["finding"]: e for e in await exceptions(world.wiring, "refund_drift")}
        assert set(found) == {"missing on the payment", "different amount", "extra"}
        assert all(e.owner == "finance" and e.count == 2 for e in found.values())
        different = evidence(found["different amount"])
        assert (different["ledger_amount"], different["payment_amount"]) == ("2.00", "1.00")
        assert evidence(found["extra"])["interaction_id"] == "manual-refund-by-cx"


class _RefundDuringTheCheck:
    """The commerce port, except that a refund is planned and paid while the monitor reads payments:
    the monitor's ledger snapshot predates it, commercetools already has it."""

    def __init__(self, commerce: Any, world: World, rid: str, payment_id: str) -> None:
        self._commerce, self._world, self._rid, self._payment_id = commerce, world, rid, payment_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._commerce, name)

    async def order_payments(self, order_id: str) -> Any:
        lines = (await self._world.wiring.store.unit_of_work().refunds.for_return(self._rid))[0].lines
        async with (
            self._world.wiring.store.unit_of_work() as uow
        ):  # planned before the call, as the flow does
            uow.refunds.record(
                Refund(
                    interaction_id="backflow-refund:concurrent:1",
                    return_id=self._rid,
                    lines=lines,
                    amount_minor=100,
                    currency="GBP",
                    payment_id=self._payment_id,
                    outcome=RefundOutcome.ORIGINAL_PAYMENT,
                    state=RefundState.PLANNED,
                )
            )
            await uow.commit()
        await self._commerce.add_refund(
            self._payment_id, Money.minor(100, "GBP"), "backflow-refund:concurrent:1"
        )
        return await self._commerce.order_payments(order_id)


@pytest.mark.anyio
async def test_a_refund_paid_while_the_monitor_runs_is_not_drift(world: World) -> None:
    with anyio.fail_after(30):
        order, rid = await _returned(world, [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}])
        payment = await world.ct_payment(order)
        racing = _RefundDuringTheCheck(world.wiring.commerce, world, rid, payment["id"])
        await run_job(dataclasses.replace(world.wiring, commerce=racing), check_refund_drift)
        assert await exceptions(world.wiring, "refund_drift") == []


@pytest.mark.anyio
async def test_restocks_in_the_ledger_against_the_inventory_markers(world: World) -> None:
    with anyio.fail_after(30):
        channel = world.wiring.settings.file.policies.supply_channel_id
        await world.ct.create_inventory("TEE-M", 5, channel)
        _, rid = await _returned(world, [*RECEIVED, {"event": "items_graded"}])
        await run_job(world.wiring, check_stock_drift)
        assert await exceptions(world.wiring, "stock_drift") == [], "the applied restock is on the entry"
        async with world.wiring.store.unit_of_work() as uow:
            for marker, sku in (
                ("backflow-restock:ghost:1", "TEE-M"),
                ("backflow-restock:ghost:2", "NO-ENTRY"),
            ):
                uow.stock.record(
                    StockMovement(
                        marker=marker,
                        sku=sku,
                        supply_channel=channel,
                        quantity=1,
                        return_id=rid,
                        item_id="ghost",
                        state=StockMovementState.APPLIED,
                        applied_at=world.clock.now(),
                    )
                )
            await uow.commit()
        await run_job(world.wiring, check_stock_drift)
        await run_job(world.wiring, check_stock_drift)
        found = {evidence(e)["marker"]: e for e in await exceptions(world.wiring, "stock_drift")}
        assert set(found) == {"backflow-restock:ghost:1", "backflow-restock:ghost:2"}
        assert evidence(found["backflow-restock:ghost:2"])["finding"] == "no inventory entry"
        assert all(e.owner == "operations" and e.count == 2 for e in found.values())


@pytest.mark.anyio
async def test_orders_rebound_does_not_have_past_the_sync_limit(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        await run_job(world.wiring, check_orders_missing_in_rebound)
        assert await exceptions(world.wiring, "order_sync_lagging") == [], "younger than the sync limit"
        world.clock.advance(600)
        await run_job(world.wiring, check_orders_missing_in_rebound)
        await run_job(world.wiring, check_orders_missing_in_rebound)
        [lagging] = await exceptions(world.wiring, "order_sync_lagging")
        assert (lagging.owner, lagging.count, evidence(lagging)["order_id"]) == ("cx", 2, order["id"])
        assert evidence(lagging)["retry"]["kind"] == "SyncOrder"
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), "sync-now"))
        assert await drain(world.wiring, world.registry) == []
        [synced] = await exceptions(world.wiring, "order_sync_lagging")
        assert synced.id == lagging.id, "the late sync counts on the same exception"
        await run_job(world.wiring, check_orders_missing_in_rebound)
        [after] = await exceptions(world.wiring, "order_sync_lagging")
        assert after.count == synced.count, "ReBound has it now: the monitor sees nothing"


@pytest.mark.anyio
async def test_returns_stuck_in_a_status_past_its_limit(world: World) -> None:
    with anyio.fail_after(30):
        _, rid = await _returned(world, [{"event": "created"}, {"event": "in_transit"}])
        world.clock.advance(3 * DAY + 60)  # past AT_HUB's 3 days, not IN_TRANSIT's 14
        await run_job(world.wiring, check_stuck_returns)
        assert await exceptions(world.wiring, "return_stuck") == []
        world.clock.advance(12 * DAY)
        await run_job(world.wiring, check_stuck_returns)
        await run_job(world.wiring, check_stuck_returns)
        [stuck] = await exceptions(world.wiring, "return_stuck")
        assert (stuck.owner, stuck.return_id, stuck.count, evidence(stuck)["status"]) == (
            "cx",
            rid,
            2,
            "IN_TRANSIT",
        )


@pytest.mark.anyio
async def test_returns_rebound_knows_without_return_info_in_commercetools(world: World) -> None:
    with anyio.fail_after(30):
        _, anchored = await _returned(world, [{"event": "created"}])
        order = await world.order([("CAP", 1, 1500)], number=order_number())
        unseen, _ = world.script(order, [item(order)], [{"event": "created"}])  # the webhooks never arrived
        world.clock.advance(7 * 3600)
        await run_job(world.wiring, check_return_info)
        await run_job(world.wiring, check_return_info)
        [missing] = await exceptions(world.wiring, "return_info_missing")
        assert (missing.return_id, missing.owner, missing.count) == (unseen, "cx", 2)
        found = evidence(missing)
        assert found["order_found"] is True and found["backflow_knows_the_return"] is False
        assert found["item_keys_expected"] == [
            keys.return_item_key(i.rebound_item_id) for i in world.rebound.state.returns[unseen].items
        ]
        assert anchored != unseen
