"""The shop's catalogue: SKUs, its cart discounts and codes, and carts checked out in the commercetools
simulator (`/_sim/orders/from-cart`, which prices them the way commercetools does), each paid by a
Charge of the priced cart's total. The demo's mix has currencies, tax modes, discount codes (a sale on
some SKUs, an order-level discount) and shipping; a plain mix (the benchmarks', the chaos run's) has one
currency and none of the extras, so every refund is exact."""

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


SALE_SKUS = tuple(sku for sku in SKUS if sku.split("-")[0] in ("TEE", "JEANS", "SNEAKER", "SCARF", "SKIRT"))
SALE_CODE = "SALE15"
"""15 % off every line of a sale SKU, for carts that carry the code (applied before the order discount)."""
ORDER_CODE = "TENOFF"
"""10 % off the cart's total (the order's discountOnTotalPrice)."""


def discount_drafts() -> dict[str, list[dict[str, Any]]]:
    """The shop's cart discounts and the codes that apply them, for `/_sim/seed`. Both need a code, so a
    cart without one (every plain-mix cart) is priced at its list prices."""
    skus = ", ".join(f'"{sku}"' for sku in SALE_SKUS)
    sale = {
        "key": "sale-15",
        "value": {"type": "relative", "permyriad": 1500},
        "target": {"type": "lineItems", "predicate": f"sku in ({skus})"},
        "sortOrder": "0.8",
    }
    order = {
        "key": "ten-off",
        "value": {"type": "relative", "permyriad": 1000},
        "target": {"type": "totalPrice"},
        "sortOrder": "0.4",
    }
    return {
        "cartDiscounts": [sale, order],
        "discountCodes": [
            {"code": SALE_CODE, "cartDiscounts": [{"key": "sale-15"}]},
            {"code": ORDER_CODE, "cartDiscounts": [{"key": "ten-off"}]},
        ],
    }


def base_price(sku: str) -> int:
    """A stable EUR cent price per SKU (same SKU, same price, in every run)."""
    return 1500 + (sum(map(ord, sku)) * 37) % 10500


def _money(market: Market, minor: int) -> dict[str, Any]:
    return {"currencyCode": market.currency, "centAmount": minor}


def _tax_rate(market: Market) -> dict[str, Any]:
    return {
        "name": f"{market.country} tax",
        "amount": market.tax_rate,
        "includedInPrice": market.tax_included,
        "country": market.country,
    }


def _line(rng: random.Random, market: Market, mix: OrderMix, *, line_id: str | None) -> dict[str, Any]:
    """A cart line: the SKU's price in the market's currency, a quantity and the market's tax rate."""
    sku = rng.choice(SKUS)
    line: dict[str, Any] = {
        "name": {"en": sku},
        "variant": {"sku": sku},
        "price": {"value": _money(market, round(base_price(sku) * market.rate))},
        "quantity": _pick(rng, mix.quantities),
        "taxRate": _tax_rate(market),
    }
    if line_id is not None:
        line["id"] = line_id
    return line


def _pick(rng: random.Random, choices: tuple[int, ...]) -> int:
    return choices[0] if len(choices) == 1 else rng.choice(choices)


def order_draft(rng: random.Random, number: str, *, mix: OrderMix = MIXED) -> dict[str, Any]:
    """One cart of `mix`, checked out as order `number` (the same rng state gives the same cart); the
    simulator computes its discounts, taxes and totals when it is placed."""
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
    draft: dict[str, Any] = {
        "orderNumber": number,
        "customerEmail": f"{number.lower()}@example.com",
        "lineItems": lines,
        "taxMode": "Platform",
        "priceRoundingMode": "HalfEven",
        "taxRoundingMode": "HalfEven",
    }
    codes = []
    # Half the SKUs are on sale: a sale code on 40 % of the carts discounts about 20 % of the lines.
    if mix.extras and rng.random() < 0.4:
        codes.append(SALE_CODE)
    if mix.extras and rng.random() < 0.1:
        codes.append(ORDER_CODE)
    if codes:
        draft["discountCodes"] = codes
    if mix.extras and rng.random() < 0.4:
        draft["shippingInfo"] = {
            "shippingMethodName": "Standard",
            "price": _money(market, round(495 * market.rate)),
            "taxRate": _tax_rate(market),
        }
    return draft


def charged(order: dict[str, Any]) -> dict[str, Any]:
    """What the customer was charged for a priced cart (or order): its taxed gross total, or, for a
    draft priced by hand, the total plus the tax when prices exclude it."""
    money = order["totalPrice"]
    if "taxedPrice" in order:
        return {
            "currencyCode": money["currencyCode"],
            "centAmount": order["taxedPrice"]["totalGross"]["centAmount"],
        }
    tax = order["lineItems"][0]["taxRate"]
    amount = money["centAmount"]
    if not tax["includedInPrice"]:
        amount = round(amount * (1 + tax["amount"]))
    return {"currencyCode": money["currencyCode"], "centAmount": amount}


def payment_draft(order: dict[str, Any]) -> dict[str, Any]:
    """A Charge of what the customer paid for `order` (a priced cart, or a draft priced by hand)."""
    amount = charged(order)
    return {
        "key": f"pay-{order['orderNumber']}",
        "amountPlanned": amount,
        "paymentMethodInfo": {"paymentInterface": "demo-psp", "method": "CREDIT_CARD"},
        "transactions": [
            {
                "type": "Charge",
                "amount": amount,
                "state": "Success",
                "interactionId": f"psp-{order['orderNumber']}",
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
    """A plain line's unit price as ReBound carries it (major units, the currency's digits: "12.34"
    for EUR, "1234" for JPY), from the placed order's line or, before the order exists, the cart's."""
    if "totalPrice" in line:
        money = line["totalPrice"]
        minor = money["centAmount"] // line["quantity"]
    else:  # a cart line not placed yet: a plain line is charged its list price
        money = line["price"]["value"]
        minor = money["centAmount"]
    digits = int(money.get("fractionDigits", 2))
    if digits == 0:
        return str(minor)
    whole, part = divmod(minor, 10**digits)
    return f"{whole}.{part:0{digits}d}"
