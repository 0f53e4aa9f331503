"""Partial refunds (issue 13) through the refund flow against both simulators: a rounding difference
within the configured tolerance never blocks a refund, and a line's refunds add up to what was paid."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import (
    drain_wide,
    exceptions,
    order_number,
    process_inbox,
    settle,
    store_rebound_events,
)

TO_REFUND = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
    {"event": "refund", "milestone": "HUB_RECEIVED"},
]


async def three_for_twenty(world: World) -> dict[str, Any]:
    """3 x 10.00 EUR at 3 for 20.00 (line total 20.00), 19 % VAT included, paid 20.00."""
    money = {"currencyCode": "EUR", "centAmount": 2000}
    draft = {
        "orderNumber": order_number(),
        "totalPrice": money,
        "lineItems": [
            {
                "name": {"en": "TEA-TIN"},
                "variant": {"sku": "TEA-TIN"},
                "price": {"value": {"currencyCode": "EUR", "centAmount": 1000}},
                "quantity": 3,
                # a multi-buy price: the cart's external total, which an import could not set
                "externalTotalPrice": {
                    "price": {"currencyCode": "EUR", "centAmount": 1000},
                    "totalPrice": money,
                },
                "taxRate": {"name": "DE", "amount": 0.19, "includedInPrice": True, "country": "DE"},
            }
        ],
    }
    placed = await world.ct.call("POST", "/_sim/orders/from-cart", {"orders": [draft]}, expect=(201,))
    order = placed["orders"][0]
    assert order["totalPrice"]["centAmount"] == 2000
    await world.ct.create_payment(order, 2000, currency="EUR")
    return await world.ct_order(order["id"])


async def refunds(world: World, order: dict[str, Any]) -> list[int]:
    payment = await world.ct_payment(order)
    return [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"]


@pytest.mark.anyio
async def test_two_of_three_for_twenty_refund_13_33_though_rebound_proposes_13_34(world: World) -> None:
    with anyio.fail_after(30):
        order = await three_for_twenty(world)
        # ReBound's unitPrice is the one Backflow's order sync sends: R(20.00 / 3) = 6.67.
        rid, bodies = world.script(
            order, [item(order, quantity=2, unitPrice="6.67")], TO_REFUND, currency="EUR"
        )
        assert world.rebound.state.returns[rid].refund.totalAmount == "13.34"  # type: ignore[union-attr]
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await exceptions(world.wiring, "refund_mismatch") == []
        assert await refunds(world, order) == [1333]  # R(2000 * 2/3); 1332 before issue 13

        # The last tin in a later return: 20.00 - 13.33 = 6.67, ReBound's 6.67 exactly.
        _, bodies = world.script(
            order, [item(order, quantity=1, unitPrice="6.67")], TO_REFUND, currency="EUR"
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        assert await exceptions(world.wiring, "refund_mismatch") == []
        assert await refunds(world, order) == [1333, 667]


@pytest.mark.anyio
async def test_three_returns_of_one_order_triggered_at_once_refund_once_each_against_the_latest(
    world: World,
) -> None:
    # The refund actor runs wide: only the rows' lock key (the order) keeps these refunds apart. Were
    # they computed at once against no prior refund, each would be R(20.00 / 3) = 6.67: 20.01 paid back.
    with anyio.fail_after(60):
        order = await three_for_twenty(world)
        before: list[bytes] = []
        triggers: list[bytes] = []
        for _ in range(3):
            _, bodies = world.script(
                order, [item(order, quantity=1, unitPrice="6.67")], TO_REFUND, currency="EUR"
            )
            before += bodies[:-1]
            triggers += bodies[-1:]
        await store_rebound_events(world.wiring, before)
        assert await settle(world.wiring, world.registry) == []  # anchored and received, nothing refunded
        assert await refunds(world, order) == []
        await store_rebound_events(world.wiring, triggers)
        assert await process_inbox(world.wiring, world.registry) == 3
        due = [d for d in await world.monitor.queue_depth() if d.kind == "IssueRefund"]
        assert [(d.status, d.count) for d in due] == [("pending", 3)]  # all three due at once
        assert await drain_wide(world.wiring, world.registry, workers=6) == []
        assert await exceptions(world.wiring, "refund_mismatch") == []
        paid = await refunds(world, order)
        assert sorted(paid) == [666, 667, 667]  # the last continues the others: 20.00 - 13.34
        assert sum(paid) == 2000
