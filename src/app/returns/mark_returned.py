"""Received items: their commercetools shipment state moves from Advised to Returned."""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.cases import load
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import MarkItemsReturned, decode_payload
from backflow.app.core.notes import note_now
from backflow.app.core.order_copies import order_with_items
from backflow.domain.order import ReturnShipmentState
from backflow.ports.commerce import CommercePort
from backflow.ports.outbox import OutboxRow


async def mark_items_returned(
    row: OutboxRow, *, store: StoreDeps, commerce: CommercePort
) -> RowCompleted | None:
    command = decode_payload(row, MarkItemsReturned)
    rid = command.return_id
    with store.tracer.start_as_current_span("mark_items_returned", attributes={"return.id": rid}):
        async with store.unit_of_work() as reads:
            record = await reads.returns.get(rid)
        if record is None or record.ct_order_id is None:
            return None
        case = load(record).case
        if case.order_id is None:
            return None
        # The copy this process last saw will do (the write is version-checked, a stale copy re-reads)
        # unless it lacks a received item, which another replica may have added since: then read now.
        counted = [keys.return_item_key(i.rebound_item_id) for i in case.items if i.quantity_received > 0]
        order = await order_with_items(commerce, case.order_id, counted)
        moved: list[str] = []
        for item in case.items:
            key = keys.return_item_key(item.rebound_item_id)
            on_order = order.return_item_by_key(key)
            # Only forward: an item already Returned, BackInStock or Unusable is left alone.
            if item.quantity_received > 0 and on_order is not None and on_order.shipmentState == "Advised":
                moved.append(key)
        if moved:  # every item in one request, on the version just read
            received: dict[str, ReturnShipmentState] = dict.fromkeys(moved, "Returned")
            await commerce.set_return_shipment_states(order.id, received, current=order)
        return await note_now(
            store,
            rid,
            completing=row,
            source="commercetools",
            action="setReturnShipmentState Returned",
            outcome="ok",
            detail={"items": moved},
            order_ref=order.id,
        )
