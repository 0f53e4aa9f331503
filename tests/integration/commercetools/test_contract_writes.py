"""Contract: returns, refunds and restocks, against the simulator and the npm mock.

Where the mock departs from commercetools (contract §11) each test says which behaviour is the real
one; the simulator follows the reference.
"""

from __future__ import annotations

import anyio
import pytest

from backflow.adapters.commercetools.inventory import MARKER_FIELD
from backflow.domain.money import Money
from backflow.ports.commerce_types import ReasonCode, ReturnItemRequest
from backflow.ports.errors import InvalidRequestError, NotFoundError

from .conftest import Server

pytestmark = pytest.mark.anyio


async def test_add_return_info_is_idempotent_by_item_key(server: Server) -> None:
    with anyio.fail_after(20):
        await server.create_reason_type()
        order = await server.create_order([("SKU-R", 3, 1000)])
        line_id = order["lineItems"][0]["id"]
        items = [
            ReturnItemRequest(
                key="rb-item-1",
                quantity=2,
                line_item_id=line_id,
                reason=ReasonCode("return-reason", "reasonCode", "DAMAGED"),
            )
        ]
        async with server.adapter() as adapter:
            first = await adapter.add_return_info(order["id"], items, return_tracking_id="TRK-1")
            second = await adapter.add_return_info(order["id"], items, return_tracking_id="TRK-1")
        item = first.return_items()[0]
        assert first.returnInfo[0].returnTrackingId == "TRK-1"
        assert (item.quantity, item.lineItemId, item.shipmentState) == (2, line_id, "Advised")
        assert item.custom is not None and item.custom.fields["reasonCode"] == "DAMAGED"
        if server.is_sim:
            # Real: the key is stored, so the repeat finds it and writes nothing; an Advised item
            # starts NonRefundable.
            assert item.key == "rb-item-1"
            assert item.paymentState == "NonRefundable"
            assert len(second.return_items()) == 1
            assert second.version == first.version
        else:
            # Mock quirk: it drops the item key and always answers paymentState Initial, so the repeat
            # cannot recognise the item and appends a duplicate. Real commercetools keeps the key.
            assert item.key is None
            assert item.paymentState == "Initial"
            assert len(second.return_items()) == 2


async def test_return_states_by_key(server: Server) -> None:
    with anyio.fail_after(20):
        await server.create_reason_type()
        order = await server.create_order([("SKU-T", 2, 500)])
        line_id = order["lineItems"][0]["id"]
        other = ReturnItemRequest(key="rb-keep", quantity=1, line_item_id=line_id, shipment_state="Returned")
        target = ReturnItemRequest(key="rb-move", quantity=1, line_item_id=line_id, comment="worn")
        async with server.adapter() as adapter:
            await adapter.add_return_info(order["id"], [other, target], return_tracking_id="TRK-2")
            if not server.is_sim:
                # Mock: no key on return items and no setReturn* actions at all (§11).
                with pytest.raises(NotFoundError):
                    await adapter.set_return_shipment_state(order["id"], "rb-move", "Returned")
                return
            await adapter.set_return_payment_state(order["id"], "rb-keep", "Refunded")
            await adapter.set_return_shipment_state(order["id"], "rb-keep", "BackInStock")
            # Strict (July 2026 rule): Advised→Returned is refused, the adapter rewrites via setReturnInfo.
            moved = await adapter.set_return_shipment_state(order["id"], "rb-move", "Returned")
            # No custom type yet: setReturnItemCustomType; then a changed value: setReturnItemCustomField.
            reason = ReasonCode("return-reason", "reasonCode", "TOO_SMALL")
            await adapter.set_return_reason(order["id"], "rb-move", reason)
            moved = await adapter.set_return_reason(
                order["id"], "rb-move", ReasonCode("return-reason", "reasonCode", "DAMAGED")
            )
            # A late "Returned" (the flows run concurrently) never undoes a graded state.
            late = await adapter.set_return_shipment_state(order["id"], "rb-keep", "Returned")
            assert late.version == moved.version
        items = {i.key: i for i in moved.return_items()}
        assert len(items) == 2 and moved.returnInfo[0].returnTrackingId == "TRK-2"
        assert (items["rb-keep"].shipmentState, items["rb-keep"].paymentState) == ("BackInStock", "Refunded")
        assert (items["rb-move"].shipmentState, items["rb-move"].paymentState) == ("Returned", "Initial")
        assert items["rb-move"].comment == "worn"
        assert items["rb-move"].custom is not None and items["rb-move"].custom.fields == {
            "reasonCode": "DAMAGED"
        }


async def test_refund_transaction_once_per_interaction_id(server: Server) -> None:
    with anyio.fail_after(20):
        order = await server.create_order([("SKU-F", 1, 4200)])
        await server.create_payment(order, 4200)
        async with server.adapter() as adapter:
            payment = await adapter.find_order_payment(order["id"])
            assert payment is not None
            refund = await adapter.add_refund(payment.id, Money.minor(1500, "EUR"), "rb-refund-1")
            again = await adapter.add_refund(payment.id, Money.minor(1500, "EUR"), "rb-refund-1")
            changed = await adapter.change_transaction_state(payment.id, refund.id, "Failure")
            after = await adapter.find_order_payment(order["id"])
        assert again.id == refund.id
        assert (refund.type, refund.state, refund.amount.centAmount) == ("Refund", "Success", 1500)
        assert changed.state == "Failure"
        assert after is not None
        assert [t.interactionId for t in after.transactions if t.type == "Refund"] == ["rb-refund-1"]


async def test_restock_applies_once_per_restock_id(server: Server) -> None:
    with anyio.fail_after(20):
        channel = await server.create_channel()
        await server.create_inventory("SKU-I", 10, channel)
        await server.create_inventory("SKU-I", 50, None)
        async with server.adapter() as adapter:
            entry = await adapter.find_inventory_entry("SKU-I", channel)
            assert entry is not None and entry.quantityOnStock == 10
            first = await adapter.restock("SKU-I", channel, 2, "restock-1")
            again = await adapter.restock("SKU-I", channel, 2, "restock-1")
            other = await adapter.restock("SKU-I", channel, 1, "restock-2")
            untouched = await adapter.find_inventory_entry("SKU-I", None)
        assert (first.applied, again.applied, other.applied) == (True, False, True)
        assert other.entry.quantityOnStock == 13
        assert other.entry.custom is not None and other.entry.custom.fields[MARKER_FIELD] == [
            "restock-1",
            "restock-2",
        ]
        assert untouched is not None and untouched.quantityOnStock == 50
        # Real commercetools has addQuantity; the mock refuses it (§11) and the adapter falls back to the
        # version-checked changeQuantity.
        assert adapter.inventory.add_quantity_supported is server.is_sim


async def test_restock_of_unknown_sku_is_not_found(server: Server) -> None:
    with anyio.fail_after(20):
        async with server.adapter() as adapter:
            with pytest.raises(NotFoundError):
                await adapter.restock("NO-SUCH-SKU", None, 1, "restock-x")


async def test_invalid_return_is_refused_with_codes(server: Server) -> None:
    with anyio.fail_after(20):
        order = await server.create_order([("SKU-V", 1, 100)])
        bad = ReturnItemRequest(key="rb-bad", quantity=1, line_item_id="no-such-line")
        async with server.adapter() as adapter:
            if server.is_sim:
                with pytest.raises(InvalidRequestError) as caught:
                    await adapter.add_return_info(order["id"], [bad])
                assert caught.value.codes == ("InvalidOperation",)
            else:
                # Mock: no check on lineItemId (§11); real commercetools refuses an unknown line.
                await adapter.add_return_info(order["id"], [bad])
