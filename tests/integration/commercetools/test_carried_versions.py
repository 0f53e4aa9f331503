"""Against the simulator: a write on the version a caller already holds costs one request, several
items of one order move in one request, and a stale version is re-read and re-planned, never applied
twice (return item key, interactionId, restock marker)."""

from __future__ import annotations

import anyio
import pytest

from backflow.devtools.commercetools_sim.keys import STATE
from backflow.domain.money import Money
from backflow.domain.order import ReturnShipmentState
from backflow.ports.commerce_types import ReturnItemRequest
from backflow.ports.errors import ConflictError

from .conftest import Server

pytestmark = pytest.mark.anyio


def _calls(sim: Server) -> dict[str, int]:
    assert sim.app is not None
    return {k: v for k, v in sim.app[STATE].stats.items() if k.startswith("call ") and "oauth" not in k}


def _since(sim: Server, before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in _calls(sim).items() if v != before.get(k, 0)}


async def test_carried_versions_write_once_per_resource_without_reading_again(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-V", 2, 1000), ("SKU-W", 1, 500)])
        await sim.create_payment(order, 2500)
        await sim.create_inventory("SKU-V", 5, None)
        lines = [line["id"] for line in order["lineItems"]]
        items = [
            ReturnItemRequest(key="rb-v", quantity=1, line_item_id=lines[0]),
            ReturnItemRequest(key="rb-w", quantity=1, line_item_id=lines[1]),
        ]
        async with sim.adapter() as adapter:
            await adapter.prepare()
            fresh = await adapter.get_order(order["id"])
            before = _calls(sim)
            added = await adapter.add_return_info(order["id"], items, current=fresh)
            assert _since(sim, before) == {"call POST /orders/{id}": 1}

            # Strict simulator: the direct Advised → Returned is refused once, then remembered.
            before = _calls(sim)
            states: dict[str, ReturnShipmentState] = {"rb-v": "Returned", "rb-w": "Returned"}
            received = await adapter.set_return_shipment_states(order["id"], states, current=added)
            assert _since(sim, before) == {"call POST /orders/{id}": 2}
            assert {i.key: i.shipmentState for i in received.return_items()} == states

            before = _calls(sim)
            refunded = await adapter.set_return_payment_states(
                order["id"], {"rb-v": "Refunded", "rb-w": "Refunded"}, current=received
            )
            graded = await adapter.set_return_shipment_states(
                order["id"], {"rb-v": "BackInStock", "rb-w": "Unusable"}, current=refunded
            )
            assert _since(sim, before) == {"call POST /orders/{id}": 2}
            assert [(i.shipmentState, i.paymentState) for i in graded.return_items()] == [
                ("BackInStock", "Refunded"),
                ("Unusable", "Refunded"),
            ]

            payment = await adapter.find_order_payment(order["id"])
            assert payment is not None
            before = _calls(sim)
            refund = await adapter.add_refund(
                payment.id, Money.minor(1000, "EUR"), "rb-carry", current=payment
            )
            restock = await adapter.restock("SKU-V", None, 1, "restock-carry")
            assert _since(sim, before) == {
                "call POST /payments/{id}": 1,
                "call GET /inventory": 1,
                "call POST /inventory/{id}": 1,
            }
            assert restock.applied

            # Stale versions: a 409, a re-read, a re-plan that finds the write done, nothing twice.
            again = await adapter.add_refund(
                payment.id, Money.minor(1000, "EUR"), "rb-carry", current=payment
            )
            re_added = await adapter.add_return_info(order["id"], items, current=fresh)
            final_payment = await adapter.find_order_payment(order["id"])
        assert again.id == refund.id
        assert final_payment is not None
        assert [t.interactionId for t in final_payment.transactions if t.type == "Refund"] == ["rb-carry"]
        assert [i.key for i in re_added.return_items()] == ["rb-v", "rb-w"]


async def test_remembered_order_saves_a_read_and_a_stale_copy_is_replanned(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-R", 2, 1000)])
        await sim.create_payment(order, 2000)
        item = ReturnItemRequest(key="rb-r", quantity=1, line_item_id=order["lineItems"][0]["id"])
        async with sim.adapter() as adapter, sim.adapter() as elsewhere:
            before = _calls(sim)
            fresh, payment = await adapter.get_order_and_payment(order["id"])
            assert payment is not None and payment.transactions
            assert _since(sim, before) == {"call GET /orders/{id}": 1}  # order and payment in one read

            added = await adapter.add_return_info(order["id"], [item], current=fresh)
            before = _calls(sim)
            assert await adapter.recent_order(order["id"]) == added  # the write's answer, no read
            assert _since(sim, before) == {}

            # Another process moves the item meanwhile: the remembered copy is stale.
            await elsewhere.set_return_payment_state(order["id"], "rb-r", "Refunded")
            stale = await adapter.recent_order(order["id"])
            assert stale.version == added.version
            before = _calls(sim)
            moved = await adapter.set_return_shipment_states(order["id"], {"rb-r": "Returned"}, current=stale)
            calls = _since(sim, before)
        assert calls.get("call GET /orders/{id}") == 1  # the 409 made it re-read, then re-plan
        assert [(i.shipmentState, i.paymentState) for i in moved.return_items()] == [("Returned", "Refunded")]


async def test_restocks_write_on_the_entry_they_left_until_others_change_it(sim: Server) -> None:
    with anyio.fail_after(30):
        await sim.create_inventory("SKU-I", 5, None)
        async with sim.adapter() as adapter, sim.adapter() as elsewhere:
            await adapter.prepare()
            await adapter.restock("SKU-I", None, 1, "restock-1")
            before = _calls(sim)
            second = await adapter.restock("SKU-I", None, 1, "restock-2")
            assert _since(sim, before) == {"call POST /inventory/{id}": 1}  # no query: the entry it left

            await elsewhere.restock("SKU-I", None, 1, "restock-elsewhere")
            before = _calls(sim)
            third = await adapter.restock("SKU-I", None, 1, "restock-3")
            assert _since(sim, before) == {"call POST /inventory/{id}": 2, "call GET /inventory/{id}": 1}
            before = _calls(sim)
            again = await adapter.restock("SKU-I", None, 1, "restock-2")  # a repeat: the marker holds it
            assert _since(sim, before) == {"call GET /inventory": 1}  # contended: found afresh now
            entry = await adapter.find_inventory_entry("SKU-I", None)
        assert second.applied and third.applied and not again.applied
        assert entry is not None and entry.quantityOnStock == 9


async def test_keyless_items_keep_their_states_when_receipts_go_through_the_rewrite(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-K", 3, 1000)])
        line = order["lineItems"][0]["id"]
        # Another tool's item, without a key, already Returned and Refunded.
        add = {
            "action": "addReturnInfo",
            "items": [{"quantity": 1, "lineItemId": line, "shipmentState": "Returned"}],
        }
        placed = await sim.call(
            "POST", f"/orders/{order['id']}", {"version": order["version"], "actions": [add]}
        )
        ref = placed["returnInfo"][0]["items"][0]["id"]
        refund = {"action": "setReturnPaymentState", "returnItemId": ref, "paymentState": "Refunded"}
        await sim.call("POST", f"/orders/{order['id']}", {"version": placed["version"], "actions": [refund]})
        items = [ReturnItemRequest(key=key, quantity=1, line_item_id=line) for key in ("rb-k1", "rb-k2")]
        async with sim.adapter() as adapter:
            await adapter.add_return_info(order["id"], items)
            first = await adapter.set_return_shipment_state(order["id"], "rb-k1", "Returned")  # refused first
            second = await adapter.set_return_shipment_state(
                order["id"], "rb-k2", "Returned"
            )  # rewrite at once
        for moved in (first, second):
            keyless = [(i.shipmentState, i.paymentState) for i in moved.return_items() if i.key is None]
            assert keyless == [("Returned", "Refunded")]
        keyed = {i.key: i.shipmentState for i in second.return_items() if i.key is not None}
        assert keyed == {"rb-k1": "Returned", "rb-k2": "Returned"}


async def test_a_write_without_reread_hands_a_stale_copy_back_and_writes_nothing(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-K", 2, 1000)])
        item = ReturnItemRequest(key="rb-k", quantity=1, line_item_id=order["lineItems"][0]["id"])
        async with sim.adapter() as adapter:
            kept = await adapter.get_order(order["id"])
            # The order moves on after the copy was kept (as an edit or another writer would move it).
            moved = {
                "version": kept.version,
                "actions": [{"action": "changeOrderState", "orderState": "Confirmed"}],
            }
            await sim.call("POST", f"/orders/{order['id']}", moved)
            before = _calls(sim)
            with pytest.raises(ConflictError):
                await adapter.add_return_info(order["id"], [item], current=kept, reread=False)
            assert _since(sim, before) == {"call POST /orders/{id}": 1}  # no re-read, no second write
            fresh = await adapter.get_order(order["id"])
        assert fresh.returnInfo == []
