"""The simulator's cart-style placement (`/_sim/orders/from-cart`) as the busy day uses it: a batch of
carts priced first (`dryRun`, nothing stored), then placed; shipping taxed from its rate; the shop's
discount codes applied to the carts that carry them."""

from __future__ import annotations

import random
from typing import Any

import anyio
import pytest

from backflow.devtools.busy_day import catalog

from .conftest import Server

pytestmark = pytest.mark.anyio
US_TAX = {"name": "US", "amount": 0.0725, "includedInPrice": False, "country": "US"}


def _usd(cents: int) -> dict[str, Any]:
    return {"currencyCode": "USD", "centAmount": cents}


def _cart(number: str) -> dict[str, Any]:
    line = {"variant": {"sku": "TEE-BLK-S"}, "price": {"value": _usd(2000)}, "quantity": 2, "taxRate": US_TAX}
    shipping = {"shippingMethodName": "Standard", "price": _usd(535), "taxRate": US_TAX}
    return {"orderNumber": number, "lineItems": [line], "shippingInfo": shipping}


async def _orders(sim: Server) -> list[dict[str, Any]]:
    state = await sim.call("GET", "/_sim/state")
    return list(state["resources"].get("order", []))


async def test_dry_run_prices_without_placing_and_placing_gives_the_same_figures(sim: Server) -> None:
    with anyio.fail_after(20):
        body = {"orders": [_cart("CART-1"), _cart("CART-2")], "dryRun": True}
        priced = (await sim.call("POST", "/_sim/orders/from-cart", body, expect=(200,)))["orders"]
        assert await _orders(sim) == []
        placed = (await sim.call("POST", "/_sim/orders/from-cart", {"orders": [_cart("CART-1")]}))["orders"]
        assert [o["orderNumber"] for o in await _orders(sim)] == ["CART-1"]
        for field in ("totalPrice", "taxedPrice"):
            assert placed[0][field] == priced[0][field]


async def test_shipping_is_taxed_from_its_rate_and_counts_in_the_tax_portions(sim: Server) -> None:
    with anyio.fail_after(20):
        [order] = (await sim.call("POST", "/_sim/orders/from-cart", {"orders": [_cart("SHIP-1")]}))["orders"]
        shipping = order["shippingInfo"]["taxedPrice"]
        assert shipping["totalNet"]["centAmount"] == 535
        assert shipping["totalGross"]["centAmount"] == 535 + 39  # 38.79 rounded half even
        taxed = order["taxedPrice"]
        assert taxed["totalNet"]["centAmount"] == 4000 + 535
        assert taxed["totalGross"]["centAmount"] == 4000 + 290 + 535 + 39
        portions = sum(p["amount"]["centAmount"] for p in taxed["taxPortions"])
        assert portions == taxed["totalTax"]["centAmount"] == 290 + 39
        assert order["totalPrice"]["centAmount"] == 4535


async def test_the_shops_codes_discount_sale_lines_and_the_order_total(sim: Server) -> None:
    with anyio.fail_after(20):
        await sim.call("POST", "/_sim/seed", catalog.discount_drafts(), expect=(201,))
        sale, full = catalog.SALE_SKUS[0], next(s for s in catalog.SKUS if s not in catalog.SALE_SKUS)
        cart = catalog.order_draft(random.Random(1), "CODES-1", mix=catalog.PLAIN)
        cart["lineItems"] = [{**cart["lineItems"][0], "variant": {"sku": sku}} for sku in (sale, full)]
        unit = cart["lineItems"][0]["price"]["value"]["centAmount"]
        bare = (await sim.call("POST", "/_sim/orders/from-cart", {"orders": [cart], "dryRun": True}))[
            "orders"
        ]
        assert all(not line["discountedPricePerQuantity"] for line in bare[0]["lineItems"])
        cart["discountCodes"] = [catalog.SALE_CODE, catalog.ORDER_CODE]
        [order] = (await sim.call("POST", "/_sim/orders/from-cart", {"orders": [cart]}))["orders"]
        on_sale, full_price = order["lineItems"]
        [per_quantity] = on_sale["discountedPricePerQuantity"]
        assert per_quantity["discountedPrice"]["value"]["centAmount"] == unit - round(unit * 0.15)
        assert full_price["discountedPricePerQuantity"] == []
        lines = sum(line["totalPrice"]["centAmount"] for line in order["lineItems"])
        assert order["discountOnTotalPrice"]["discountedAmount"]["centAmount"] == round(lines / 10)
        assert order["totalPrice"]["centAmount"] == lines - round(lines / 10)
        assert catalog.charged(order)["centAmount"] == order["taxedPrice"]["totalGross"]["centAmount"]
