"""Finance decides refund mismatches through the admin API and the CLI: each of the three decisions,
the over-limit refusal, idempotency, and the money moving exactly once through the refund flow."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from backflow.domain.return_case import Position
from tests.integration.flows.admin_support import admin_api
from tests.integration.flows.conftest import World, file_config, item
from tests.integration.flows.support import drain, order_number, settle, store_rebound_events

RECEIVED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]
STALE_REFUND = {"event": "refund", "milestone": "HUB_RECEIVED", "stale": True}


async def _mismatch(world: World) -> tuple[dict[str, Any], str]:
    """A return whose ReBound proposal is 53.50 where the order supports 50.00 (TEE 35.00 + CAP 15.00)."""
    order = await world.order([("TEE-M", 1, 3500), ("CAP", 1, 1500)], number=order_number())
    rid, bodies = world.script(order, [item(order, 0), item(order, 1)], [*RECEIVED, STALE_REFUND])
    await store_rebound_events(world.wiring, bodies)
    assert await settle(world.wiring, world.registry) == []
    return order, rid


async def _refunds(world: World, order: dict[str, Any]) -> list[int]:
    payment = await world.ct_payment(order)
    return [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"]


async def _state(world: World, rid: str) -> str:
    async with world.wiring.store.unit_of_work() as uow:
        record = await uow.returns.get(rid)
    assert record is not None
    return record.state


@pytest.mark.anyio
async def test_approving_backflows_amount_pays_it_once(world: World) -> None:
    with anyio.fail_after(40):
        order, rid = await _mismatch(world)
        async with admin_api(world) as api:
            mismatch = await api.exception("refund_mismatch")
            assert mismatch["actions"] == ["ack", "resolve", "retry", "decide"]
            path = f"/api/exceptions/{mismatch['id']}/decide"
            status, decided = await api.post(path, {"decision": "approve_backflow", "note": "order is right"})
            assert status == 200, decided
            assert (decided["state"], decided["changed_by"], decided["actions"]) == ("resolved", "alice", [])
            assert "approve_backflow" in decided["note"]
            again_status, again = await api.post(path, {"decision": "approve_backflow"})
            assert (again_status, again["state"]) == (200, "resolved"), "the same decision again is a no-op"
            other_status, other = await api.post(path, {"decision": "reject"})
            assert other_status == 409 and other["error"]["code"] == "already_decided"
            assert await drain(world.wiring, world.registry) == []
            assert await _refunds(world, order) == [5000]
            assert await drain(world.wiring, world.registry) == []
            assert await _refunds(world, order) == [5000], "exactly once"
            status, detail = await api.get(f"/api/exceptions/{mismatch['id']}")
            actions = [(e["action"], e["actor"]) for e in detail["events"]]
            assert ("decided", "alice") in actions and ("resolved", "alice") in actions
            assert [a for a, _ in actions].count("decided") == 1
        assert await _state(world, rid) == Position.REFUNDED
        [ack] = world.rebound.state.acknowledgements[rid].values()
        assert (ack["type"], ack["amount"]) == ("REFUNDED", "50.00")
        async with world.wiring.store.unit_of_work() as uow:
            [credit] = await uow.credits.for_return(rid)
            [ledger] = await uow.refunds.for_return(rid)
        assert credit.state == "released" and ledger.amount_minor == 5000


@pytest.mark.anyio
async def test_approving_rebounds_amount_within_the_limit_through_the_cli(world: World) -> None:
    with anyio.fail_after(40):
        order, rid = await _mismatch(world)
        async with admin_api(world) as api:
            mismatch = await api.exception("refund_mismatch")
            code = await api.cli("decide", str(mismatch["id"]), "approve_rebound", "--note", "goodwill")
            assert code == 0
            decided = await api.exception("refund_mismatch")
            assert (decided["state"], decided["changed_by"]) == ("resolved", "bob")
            assert await api.cli("decide", str(mismatch["id"]), "approve_rebound") == 0  # idempotent
            assert await api.cli("decide", str(mismatch["id"]), "approve_backflow") == 1  # refused
        assert await drain(world.wiring, world.registry) == []
        assert await _refunds(world, order) == [5350]
        async with world.wiring.store.unit_of_work() as uow:
            [ledger] = await uow.refunds.for_return(rid)
        assert ledger.amount_minor == 5350
        [ack] = world.rebound.state.acknowledgements[rid].values()
        assert ack["amount"] == "53.50"
        assert await _state(world, rid) == Position.REFUNDED


@pytest.mark.anyio
async def test_rebounds_amount_over_the_limit_is_refused_with_a_clear_message(world: World) -> None:
    with anyio.fail_after(40):
        world = world.with_config(file_config(approve_rebound_amount_limit="2.00"))
        order, _ = await _mismatch(world)
        async with admin_api(world) as api:
            mismatch = await api.exception("refund_mismatch")
            status, refused = await api.post(
                f"/api/exceptions/{mismatch['id']}/decide", {"decision": "approve_rebound"}
            )
            assert status == 409 and refused["error"]["code"] == "over_limit"
            assert "3.50 GBP" in refused["error"]["message"] and "2.00 GBP" in refused["error"]["message"]
            still = await api.exception("refund_mismatch")
            assert still["state"] == "open"
            status, _ = await api.post(f"/api/exceptions/{mismatch['id']}/decide", {"decision": "maybe"})
            assert status == 400
        assert await drain(world.wiring, world.registry) == []
        assert await _refunds(world, order) == []


@pytest.mark.anyio
async def test_rejecting_tells_rebound_marks_items_not_refunded_and_releases_the_credit(world: World) -> None:
    with anyio.fail_after(40):
        order, rid = await _mismatch(world)
        async with admin_api(world) as api:
            mismatch = await api.exception("refund_mismatch")
            path = f"/api/exceptions/{mismatch['id']}/decide"
            status, decided = await api.post(path, {"decision": "reject", "note": "not what was sent"})
            assert status == 200 and decided["state"] == "resolved"
            assert await drain(world.wiring, world.registry) == []
            status, _ = await api.post(f"/api/exceptions/{mismatch['id']}/retry", {})
            assert status == 409, "a decided (resolved) exception is not retried"
            assert (await api.post(path, {"decision": "reject"}))[0] == 200
            assert await drain(world.wiring, world.registry) == []
        assert await _refunds(world, order) == []
        items = [i for info in (await world.ct_order(order["id"]))["returnInfo"] for i in info["items"]]
        assert {i["paymentState"] for i in items} == {"NotRefunded"}
        acks = list(world.rebound.state.acknowledgements[rid].values())
        assert [a["type"] for a in acks] == ["REFUND_REJECTED"]
        assert await _state(world, rid) == Position.HELD_FOR_FINANCE
        async with world.wiring.store.unit_of_work() as uow:
            [credit] = await uow.credits.for_return(rid)
        assert credit.state == "released"
