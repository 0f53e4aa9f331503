"""Two replicas, two adapters, one order: the copy one replica remembers lacks the return item the other
added since, and a handler planning on it would leave that item alone for good (no write, so no 409 to
correct it). `order_with_items` reads such a copy afresh; a copy holding every item is used as it is."""

from __future__ import annotations

import anyio
import pytest

from backflow.app.core.order_copies import order_with_items
from backflow.devtools.commercetools_sim.keys import STATE
from backflow.ports.commerce_types import ReturnItemRequest

from .conftest import Server

pytestmark = pytest.mark.anyio


def _order_reads(sim: Server) -> int:
    assert sim.app is not None
    return int(sim.app[STATE].stats.get("call GET /orders/{id}", 0))


async def test_a_copy_lacking_an_item_another_replica_added_is_read_again(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-COPY", 2, 1000)])
        line = order["lineItems"][0]["id"]
        async with sim.adapter() as this, sim.adapter() as other:
            await this.prepare()
            remembered = await this.get_order_by_number(order["orderNumber"])  # before the other writes
            item = ReturnItemRequest(key="rb-copy", quantity=1, line_item_id=line)
            await other.add_return_info(order["id"], [item])

            stale = await this.recent_order(order["id"])
            assert stale.version == remembered.version and stale.return_item_by_key("rb-copy") is None

            fresh = await order_with_items(this, order["id"], ["rb-copy"])
            returned = fresh.return_item_by_key("rb-copy")
            assert returned is not None and returned.shipmentState == "Advised"

            reads = _order_reads(sim)
            same = await order_with_items(other, order["id"], ["rb-copy"])  # the writer's copy has it
            assert same.return_item_by_key("rb-copy") is not None and _order_reads(sim) == reads
