"""Return intake and refund against both simulators, handlers driven directly."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from backflow.app.core.keys import return_item_key
from backflow.domain.return_case import Position
from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import (
    drain,
    evidence,
    exceptions,
    order_number,
    settle,
    store_rebound_events,
)

RECEIVED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]


async def _case(world: World, return_id: str) -> tuple[str, dict[str, object]]:
    async with world.wiring.store.unit_of_work() as uow:
        record = await uow.returns.get(return_id)
    assert record is not None
    return record.state, msgspec.json.decode(record.snapshot)


@pytest.mark.anyio
async def test_intake_anchors_writes_return_info_and_posts_the_pending_credit(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 2, 3500), ("CAP", 1, 1500)], number=order_number())
        rid, bodies = world.script(
            order, [item(order, 0, quantity=2), item(order, 1, reason="Faulty")], [{"event": "created"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        state, _ = await _case(world, rid)
        assert state == Position.ANCHORED
        fresh = await world.ct_order(order["id"])
        [info] = fresh["returnInfo"]
        assert info["returnTrackingId"] == rid
        ret = world.rebound.state.returns[rid]
        assert {i["key"] for i in info["items"]} == {return_item_key(x.rebound_item_id) for x in ret.items}
        assert {i["custom"]["fields"]["reasonCode"] for i in info["items"]} == {"TOO_LARGE", "FAULTY"}
        assert all(i["shipmentState"] == "Advised" for i in info["items"])
        async with world.wiring.store.unit_of_work() as uow:
            [credit] = await uow.credits.for_return(rid)
        assert (credit.currency, credit.amount_minor) == ("GBP", 2 * 3500 + 1500)
        actions = [entry.action for entry in await world.wiring.timeline.for_return(rid)]
        assert "event return_order.created" in actions and "addReturnInfo" in actions


@pytest.mark.anyio
async def test_refund_happy_path_pays_once_marks_items_and_tells_rebound(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 2, 3500)], number=order_number())
        rid, bodies = world.script(
            order, [item(order, 0, quantity=2)], [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        refunds = [t for t in payment["transactions"] if t["type"] == "Refund"]
        assert len(refunds) == 1
        assert refunds[0]["amount"]["centAmount"] == 7000 and refunds[0]["state"] == "Success"
        assert refunds[0]["interactionId"].startswith(f"backflow-refund:{rid}:")
        fresh = await world.ct_order(order["id"])
        [returned] = fresh["returnInfo"][0]["items"]
        assert (returned["shipmentState"], returned["paymentState"]) == ("Returned", "Refunded")
        acks = world.rebound.state.acknowledgements[rid]
        [ack] = acks.values()
        assert ack["type"] == "REFUNDED" and ack["amount"] == "70.00" and ack["currency"] == "GBP"
        async with world.wiring.store.unit_of_work() as uow:
            [credit] = await uow.credits.for_return(rid)
            [ledger] = await uow.refunds.for_return(rid)
        assert credit.state == "released"
        assert (ledger.amount_minor, ledger.state, ledger.interaction_id) == (
            7000,
            "recorded",
            refunds[0]["interactionId"],
        )
        state, _ = await _case(world, rid)
        assert state == Position.REFUNDED
        # The same trigger handled again (a duplicate row, a crash replay): nothing is paid twice.
        from backflow.app.core.messages import outbox_message
        from backflow.domain.commands import IssueRefund

        await world.wiring.outbox.append(outbox_message(IssueRefund(return_id=rid, sequence=5), "again"))
        assert await drain(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        assert len([t for t in payment["transactions"] if t["type"] == "Refund"]) == 1
        assert await exceptions(world.wiring) == []


@pytest.mark.anyio
async def test_refund_waits_for_the_warehouse_receipt(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(
            order,
            [item(order)],
            [{"event": "created"}, {"event": "in_transit"}, {"event": "refund", "milestone": "DROP_OFF"}],
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        assert [t for t in payment["transactions"] if t["type"] == "Refund"] == []
        assert (await _case(world, rid))[0] == Position.REFUND_PENDING
        held = [e for e in await world.wiring.timeline.for_return(rid) if e.outcome == "held"]
        assert held, "the gate is on the timeline"
        # Received now: the waiting trigger pays.
        ret = world.rebound.state.returns[rid]
        _, more = world.script(order, [], [])  # keeps the simulator's clock moving; not this return
        del more
        from backflow.devtools.rebound_sim import flows

        world.rebound.now = world.rebound.now.replace(microsecond=0)
        emitted = world.rebound._apply(ret, flows.Step("delivered"), deliver=False)
        registered = world.rebound._apply(ret, flows.Step("items_registered"), deliver=False)
        await store_rebound_events(world.wiring, [emitted.body, registered.body])
        assert await settle(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        assert [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"] == [3500]


@pytest.mark.anyio
async def test_a_wrong_proposal_moves_no_money_and_gives_finance_both_figures(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500), ("CAP", 1, 1500)], number=order_number())
        rid, bodies = world.script(
            order,
            [item(order, 0), item(order, 1)],
            [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED", "stale": True}],
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        assert [t for t in payment["transactions"] if t["type"] == "Refund"] == []
        [mismatch] = await exceptions(world.wiring, "refund_mismatch")
        assert mismatch.owner == "finance" and mismatch.return_id == rid
        found = evidence(mismatch)
        lines = {line["line_id"]: line for line in found["lines"]}
        tee = lines[order["lineItems"][0]["id"]]
        assert (tee["backflow"], tee["rebound"]) == ("35.00", "38.50")
        assert (found["backflow_total"], found["rebound_total"]) == ("50.00", "53.50")
        assert found["order_id"] == order["id"] and isinstance(found["order_version"], int)
        assert [o["action"] for o in found["decision"]["options"]] == [
            "approve_backflow",
            "approve_rebound",
            "reject",
        ]
        assert found["retry"]["kind"] == "IssueRefund" and found["retry"]["payload"]["return_id"] == rid
        assert (await _case(world, rid))[0] == Position.HELD_FOR_FINANCE
        async with world.wiring.store.unit_of_work() as uow:
            [credit] = await uow.credits.for_return(rid)
        assert credit.state == "posted"


@pytest.mark.anyio
async def test_a_rounding_difference_within_tolerance_refunds_backflows_figure(world: World) -> None:
    with anyio.fail_after(30):
        # 3 units for 100.00: ReBound proposes 3 x 33.33 = 99.99; the order supports 100.00.
        order = await world.order([("TRIO", 3, 3334)], number=order_number(), line_total=10000)
        rid, bodies = world.script(
            order, [item(order, quantity=3)], [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await exceptions(world.wiring, "refund_mismatch") == []
        payment = await world.ct_payment(order)
        assert [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"] == [
            10000
        ]
        assert world.rebound.state.returns[rid].refund.totalAmount == "99.99"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_no_payment_on_the_order_is_a_finance_exception(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number(), paid=False)
        rid, bodies = world.script(
            order, [item(order)], [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        [missing] = await exceptions(world.wiring, "missing_payment")
        assert missing.owner == "finance" and missing.order_ref == order["id"]
        assert evidence(missing)["retry"]["kind"] == "IssueRefund"
        assert (await _case(world, rid))[0] == Position.REFUND_PENDING


@pytest.mark.anyio
async def test_store_credit_is_recorded_in_the_ledger_without_a_payment_transaction(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(
            order,
            [item(order)],
            [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED", "outcome": "STORE_CREDIT"}],
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        assert [t for t in payment["transactions"] if t["type"] == "Refund"] == []
        async with world.wiring.store.unit_of_work() as uow:
            [ledger] = await uow.refunds.for_return(rid)
        assert (ledger.outcome, ledger.payment_id, ledger.amount_minor) == ("store-credit", None, 3500)
        assert (await _case(world, rid))[0] == Position.REFUNDED


@pytest.mark.anyio
async def test_a_tax_excluded_order_is_compared_net_and_refunded_gross(world: World) -> None:
    """ReBound's unitPrice is in the order's price mode (net when tax is added on top); the refund
    is what the customer paid, tax included."""
    with anyio.fail_after(30):
        tax = {"name": "US", "amount": 0.0725, "includedInPrice": False, "country": "US"}
        line = {
            "name": {"en": "CAP"},
            "variant": {"sku": "CAP"},
            "price": {"value": {"currencyCode": "USD", "centAmount": 2000}},
            "quantity": 2,
            "taxRate": tax,
        }
        draft = {
            "orderNumber": order_number(),
            "totalPrice": {"currencyCode": "USD", "centAmount": 4000},
            "lineItems": [line],
        }
        order = await world.ct.call("POST", "/orders/import", draft, expect=(201,))
        await world.ct.create_payment(order, 4290, currency="USD")
        order = await world.ct_order(order["id"])
        rid, bodies = world.script(
            order,
            [item(order, quantity=2)],  # unitPrice 20.00: net, as the sales order carries it
            [*RECEIVED, {"event": "refund", "milestone": "HUB_RECEIVED"}],
            currency="USD",
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await exceptions(world.wiring, "refund_mismatch") == []
        payment = await world.ct_payment(order)
        assert [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"] == [4290]
        assert (await _case(world, rid))[0] == Position.REFUNDED
