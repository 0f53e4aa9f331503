"""The shop's catalogue: SKUs, and seeded order drafts for the commercetools simulator, each paid by a
Charge. The demo's mix has currencies, tax modes, cart and order discounts and shipping; a plain mix
(the benchmarks', the chaos run's) has one currency and none of the extras, so every refund is exact."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from backflow.devtools.shop import OUTLET_CHANNEL, SUPPLY_CHANNEL

PRODUCTS = ("TEE", "HOODIE", "JEANS", "DRESS", "SNEAKER", "JACKET", "SCARF", "SHIRT", "SKIRT", "BOOT")
COLOURS = ("BLK", "WHT", "NVY", "RED", "GRN")
SIZES = ("S", "M", "L")
SKUS = tuple(f"{p}-{c}-{s}" for p in PRODUCTS for c in COLOURS for s in SIZES)
STOCK_PER_ENTRY = 500


@dataclass(frozen=True)
class Market:
    currency: str
    rate: float
    """Multiplier from the EUR cent price to this currency's minor units."""
    tax_rate: float
    tax_included: bool
    country: str
    weight: float


MARKETS = (
    Market("EUR", 1.0, 0.19, True, "DE", 0.55),
    Market("GBP", 0.86, 0.20, True, "GB", 0.25),
    Market("USD", 1.08, 0.0725, False, "US", 0.14),  # US sales tax is added on top of the price
    Market("JPY", 1.6, 0.10, True, "JP", 0.06),  # no minor unit: 1.6 yen per EUR cent
)
EUR, GBP = MARKETS[0], MARKETS[1]


@dataclass(frozen=True)
class OrderMix:
    """What kind of orders a run checks out; one market and one quantity draw nothing from the rng."""

    markets: tuple[Market, ...] = MARKETS
    quantities: tuple[int, ...] = (1, 1, 1, 2, 2, 3)
    extras: bool = True
    """Cart discounts on lines, order-level discounts and shipping."""
    fixed_line_ids: bool = False
    """Line ids chosen here, so that a return can be booked over an order before it exists."""


MIXED = OrderMix()
LATE = OrderMix(markets=(EUR,), quantities=(1,), extras=False, fixed_line_ids=True)
"""Plain EUR orders with fixed line ids: returns are booked over them before commercetools has them."""
PLAIN = OrderMix(markets=(GBP,), quantities=(1, 2, 3), extras=False)


def base_price(sku: str) -> int:
    """A stable EUR cent price per SKU (same SKU, same price, in every run)."""
    return 1500 + (sum(map(ord, sku)) * 37) % 10500


def _money(market: Market, minor: int) -> dict[str, Any]:
    return {"currencyCode": market.currency, "centAmount": minor}


def _line(rng: random.Random, market: Market, mix: OrderMix, *, line_id: str | None) -> dict[str, Any]:
    sku = rng.choice(SKUS)
    quantity = _pick(rng, mix.quantities)
    unit = round(base_price(sku) * market.rate)
    tax = {
        "name": f"{market.country} tax",
        "amount": market.tax_rate,
        "includedInPrice": market.tax_included,
        "country": market.country,
    }
    line: dict[str, Any] = {
        "name": {"en": sku},
        "variant": {"sku": sku},
        "price": {"value": _money(market, unit)},
        "quantity": quantity,
        "taxRate": tax,
        "totalPrice": _money(market, unit * quantity),
    }
    if line_id is not None:
        line["id"] = line_id
    if mix.extras and rng.random() < 0.2:  # a cart discount: 15 % off this line
        discounted = round(unit * 0.85)
        line["discountedPricePerQuantity"] = [
            {
                "quantity": quantity,
                "discountedPrice": {"value": _money(market, discounted), "includedDiscounts": []},
            }
        ]
        line["totalPrice"] = _money(market, discounted * quantity)
    return line


def _pick(rng: random.Random, choices: tuple[int, ...]) -> int:
    return choices[0] if len(choices) == 1 else rng.choice(choices)


def order_draft(rng: random.Random, number: str, *, mix: OrderMix = MIXED) -> dict[str, Any]:
    """One order of `mix` (the same rng state gives the same order)."""
    markets = mix.markets
    market = markets[0] if len(markets) == 1 else rng.choices(markets, [m.weight for m in markets])[0]
    count = rng.choice((1, 1, 2, 2, 3))
    lines = [
        _line(
            rng,
            market,
            mix,
            line_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)) if mix.fixed_line_ids else None,
        )
        for _ in range(count)
    ]
    total = sum(line["totalPrice"]["centAmount"] for line in lines)
    draft: dict[str, Any] = {
        "orderNumber": number,
        "customerEmail": f"{number.lower()}@example.com",
        "lineItems": lines,
        "taxMode": "Platform",
        "priceRoundingMode": "HalfEven",
        "taxRoundingMode": "HalfEven",
    }
    if mix.extras and rng.random() < 0.1:  # an order-level discount: 10 % of the lines
        discount = total // 10
        draft["discountOnTotalPrice"] = {"discountedAmount": _money(market, discount)}
        total -= discount
    if mix.extras and rng.random() < 0.4:
        shipping = round(495 * market.rate)
        draft["shippingInfo"] = {
            "shippingMethodName": "Standard",
            "price": _money(market, shipping),
            "taxRate": lines[0]["taxRate"],
        }
        total += shipping
    draft["totalPrice"] = _money(market, total)
    return draft


def charged(draft: dict[str, Any]) -> dict[str, Any]:
    """What the customer was charged: the order total, plus the tax when prices exclude it."""
    money = draft["totalPrice"]
    tax = draft["lineItems"][0]["taxRate"]
    amount = money["centAmount"]
    if not tax["includedInPrice"]:
        amount = round(amount * (1 + tax["amount"]))
    return {"currencyCode": money["currencyCode"], "centAmount": amount}


def payment_draft(draft: dict[str, Any]) -> dict[str, Any]:
    amount = charged(draft)
    return {
        "key": f"pay-{draft['orderNumber']}",
        "amountPlanned": amount,
        "paymentMethodInfo": {"paymentInterface": "demo-psp", "method": "CREDIT_CARD"},
        "transactions": [
            {
                "type": "Charge",
                "amount": amount,
                "state": "Success",
                "interactionId": f"psp-{draft['orderNumber']}",
            }
        ],
    }


def inventory_drafts() -> list[dict[str, Any]]:
    """Every SKU in the warehouse (sellable) and the outlet channel."""
    return [
        {
            "sku": sku,
            "quantityOnStock": STOCK_PER_ENTRY,
            "supplyChannel": {"typeId": "channel", "id": channel},
        }
        for sku in SKUS
        for channel in (SUPPLY_CHANNEL, OUTLET_CHANNEL)
    ]


def return_item(line: dict[str, Any], reason: str, *, quantity: int | None = None) -> dict[str, Any]:
    """A ReBound return item over one plain order line (all of it unless `quantity` says otherwise)."""
    return {
        "clientItemId": line["id"],
        "sku": line["variant"]["sku"],
        "quantity": line["quantity"] if quantity is None else quantity,
        "unitPrice": unit_price_text(line),
        "reasonCode": reason,
    }


def unit_price_text(line: dict[str, Any]) -> str:
    """A plain line's unit price as ReBound carries it (major units, the currency's digits)."""
    cents = line["totalPrice"]["centAmount"] // line["quantity"]
    return f"{cents // 100}.{cents % 100:02d}"
