"""Re-anchoring, retry, acknowledge and resolve through the admin API and the CLI; the problems a flow
settles resolve themselves; every exception the flows raise names an action that can run."""

from __future__ import annotations

import anyio
import pytest

from backflow.app.returns.held_returns import sweep_held_returns
from backflow.domain.return_case import Position
from tests.integration.flows.admin_support import Admin, admin_api
from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import drain, order_number, run_job, settle, store_rebound_events

RECEIVED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]


async def _state(world: World, rid: str) -> str:
    async with world.wiring.store.unit_of_work() as uow:
        record = await uow.returns.get(rid)
    assert record is not None
    return record.state


async def _orphan(world: World) -> tuple[dict[str, object], str]:
    """A return booked under a mistyped order number; its items are lines of the real order."""
    order = await world.order([("TEE-M", 1, 3500)], number=order_number())
    rid, bodies = world.script(f"{order['orderNumber']}-TYPO", [item(order)], [{"event": "created"}])
    await store_rebound_events(world.wiring, bodies)
    assert await settle(world.wiring, world.registry) == []
    world.clock.advance(3601)
    await run_job(world.wiring, sweep_held_returns)
    assert await drain(world.wiring, world.registry) == []
    return order, rid


@pytest.mark.anyio
async def test_reanchoring_an_orphan_validates_the_order_then_anchors_and_resolves(world: World) -> None:
    with anyio.fail_after(40):
        order, rid = await _orphan(world)
        other = await world.order([("SOCKS", 1, 500)], number=order_number())
        async with admin_api(world) as api:
            orphan = await api.exception("orphan_return")
            assert orphan["actions"] == ["ack", "resolve", "retry", "reanchor"]
            path = f"/api/exceptions/{orphan['id']}/reanchor"
            status, missing = await api.post(path, {"order_number": "CT-NOPE"})
            assert status == 409 and missing["error"]["code"] == "order_not_found"
            status, wrong = await api.post(path, {"order_number": other["orderNumber"]})
            assert status == 409 and wrong["error"]["code"] == "order_does_not_match"
            body = {"order_number": order["orderNumber"], "note": "customer gave the number by phone"}
            status, queued = await api.post(path, body)
            assert status == 200 and queued["state"] == "acknowledged", queued
            assert queued["actions"] == ["resolve", "retry", "reanchor"]
            assert (await api.post(path, body))[0] == 200  # repeated before it ran: nothing more queued
            assert await drain(world.wiring, world.registry) == []
            assert await _state(world, rid) == Position.ANCHORED
            [info] = (await world.ct_order(order["id"]))["returnInfo"]
            assert info["returnTrackingId"] == rid
            done = await api.exception("orphan_return")
            assert (done["state"], done["changed_by"]) == ("resolved", "backflow")
            status, detail = await api.get(f"/api/exceptions/{orphan['id']}")
            assert [e["action"] for e in detail["events"]].count("reanchored") == 2
            status, late = await api.post(path, body)
            assert status == 409 and late["error"]["code"] == "already_resolved"


@pytest.mark.anyio
async def test_a_return_booked_against_the_wrong_order_is_reanchored_through_the_cli(world: World) -> None:
    with anyio.fail_after(40):
        booked = await world.order([("CAP", 1, 1500)], number=order_number())
        real = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(booked, [item(real)], [{"event": "created"}])
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        async with admin_api(world) as api:
            mismatch = await api.exception("return_order_mismatch")
            assert "reanchor" in mismatch["actions"]
            assert (
                await api.cli("reanchor", str(mismatch["id"]), real["orderNumber"], "--note", "CX fix") == 0
            )
            assert await drain(world.wiring, world.registry) == []
            assert await _state(world, rid) == Position.ANCHORED
            assert (await api.exception("return_order_mismatch"))["state"] == "resolved"
            assert await api.cli("reanchor", str(mismatch["id"]), real["orderNumber"]) == 1  # resolved now


@pytest.mark.anyio
async def test_retry_now_pays_once_the_payment_exists_and_resolves_itself(world: World) -> None:
    with anyio.fail_after(40):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number(), paid=False)
        rid, bodies = world.script(
            order, [item(order)], [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        async with admin_api(world) as api:
            missing = await api.exception("missing_payment")
            assert missing["actions"] == ["ack", "resolve", "retry"]
            await world.ct.create_payment(await world.ct_order(order["id"]), 3500, currency="GBP")
            status, queued = await api.post(f"/api/exceptions/{missing['id']}/retry", {"note": "paid now"})
            assert status == 200 and queued["duplicate"] is False
            status, again = await api.post(f"/api/exceptions/{missing['id']}/retry", {})
            assert again["duplicate"] is True and again["outbox_id"] == queued["outbox_id"]
            assert await drain(world.wiring, world.registry) == []
            payment = await world.ct_payment(order)
            assert [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"] == [
                3500
            ]
            assert (await api.exception("missing_payment"))["state"] == "resolved"
        assert await _state(world, rid) == Position.REFUNDED


@pytest.mark.anyio
async def test_acknowledge_and_resolve_through_the_cli_are_recorded_once(world: World) -> None:
    with anyio.fail_after(40):
        await _orphan(world)
        async with admin_api(world) as api:
            orphan = await api.exception("orphan_return")
            eid = str(orphan["id"])
            assert await api.cli("list", "--owner", "cx") == 0
            assert await api.cli("show", eid) == 0
            assert await api.cli("ack", eid, "--note", "looking") == 0
            assert await api.cli("ack", eid) == 0
            assert await api.cli("resolve", eid) == 2, "resolve needs --note (argparse refuses)"
            assert await api.cli("resolve", eid, "--note", "customer withdrew the return") == 0
            assert await api.cli("resolve", eid, "--note", "again") == 0
            assert await api.cli("ack", eid) == 1, "a resolved exception is not acknowledged"
            assert await api.cli("decide", eid, "reject") == 1, "an orphan takes no refund decision"
            status, detail = await api.get(f"/api/exceptions/{eid}")
            assert status == 200
            events = [(e["action"], e["actor"]) for e in detail["events"]]
            assert events.count(("acknowledged", "bob")) == 1 and events.count(("resolved", "bob")) == 1
            assert detail["exception"]["note"] == "customer withdrew the return"
            assert detail["exception"]["actions"] == []


async def _every_raised(api: Admin) -> list[dict[str, object]]:
    status, listed = await api.get("/api/exceptions?state=any&limit=1000")
    assert status == 200
    return listed["items"]


@pytest.mark.anyio
async def test_every_retry_an_exception_offers_names_a_registered_handler(world: World) -> None:
    with anyio.fail_after(40):
        await _orphan(world)
        order = await world.order([("TEE-M", 1, 3500)], number=order_number(), paid=False)
        _, bodies = world.script(
            order, [item(order)], [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        async with admin_api(world) as api:
            found = await _every_raised(api)
            assert {e["type"] for e in found} >= {"orphan_return", "missing_payment"}
            for exception in found:
                evidence = exception["evidence"]
                assert isinstance(evidence, dict)
                if "retry" in evidence:
                    assert evidence["retry"]["kind"] in world.registry.outbox_handlers
                    assert "retry" in exception["actions"]
