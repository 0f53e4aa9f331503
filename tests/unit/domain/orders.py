"""Hypothesis strategies for commercetools-shaped order JSON (dicts), decoded with the real decoder."""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import msgspec
from hypothesis import strategies as st

from backflow.domain.currencies import currency_digits
from backflow.domain.order import Order, decode_order
from backflow.domain.rounding import RoundingMode, round_fraction

CURRENCIES = ["JPY", "EUR", "KWD"]  # 0, 2 and 3 digits
RATES = ["0", "0.19", "0.2", "0.075", "0.1", "0.0625"]


def cent(currency: str, amount: int) -> dict[str, Any]:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": amount,
        "fractionDigits": currency_digits(currency),
    }


def typed(currency: str, precise: int, digits: int) -> dict[str, Any]:
    cd = currency_digits(currency)
    if digits <= cd:
        return cent(currency, precise * 10 ** (cd - digits))
    return {
        "type": "highPrecision",
        "currencyCode": currency,
        "centAmount": round_fraction(Fraction(precise, 10 ** (digits - cd))),
        "preciseAmount": precise,
        "fractionDigits": digits,
    }


@st.composite
def unit_price(draw: st.DrawFn, currency: str) -> tuple[dict[str, Any], Fraction]:
    """A unit price with 0-10 fraction digits (high precision above the currency's), as JSON and exactly."""
    digits = draw(st.integers(0, 10))
    major = draw(st.integers(0, 300))
    fraction = draw(st.integers(0, 10**digits - 1)) if digits else 0
    precise = major * 10**digits + fraction
    return typed(currency, precise, digits), Fraction(precise, 10**digits)


@st.composite
def line_json(draw: st.DrawFn, currency: str, index: int, mode: RoundingMode, custom: bool) -> dict[str, Any]:
    cd = currency_digits(currency)
    quantity = draw(st.integers(1, 50))
    price, unit = draw(unit_price(currency))
    line: dict[str, Any] = {"id": f"{'c' if custom else 'l'}{index}", "quantity": quantity}
    if custom:
        line |= {"money": price, "name": {"en": "gift wrap"}, "slug": "gift-wrap"}
    else:
        line |= {
            "productId": f"p{index}",
            "variant": {"id": 1, "sku": f"SKU-{index}"},
            "price": {"id": f"price{index}", "value": price},
        }
        if draw(st.booleans()):  # a product discount lowers the unit price
            discounted, unit = draw(unit_price(currency).filter(lambda pair: pair[1] <= unit))
            line["price"]["discounted"] = {"value": discounted, "discount": {"typeId": "product-discount"}}
    groups = [(quantity, unit)]
    if draw(st.booleans()):  # a cart discount, possibly splitting the quantity over two prices
        first = draw(st.integers(1, quantity))
        cap = int(unit * 10**cd)
        groups = [(first, Fraction(draw(st.integers(0, cap)), 10**cd))]
        if first < quantity:
            groups.append((quantity - first, Fraction(draw(st.integers(0, cap)), 10**cd)))
        line["discountedPricePerQuantity"] = [
            {
                "quantity": qty,
                "discountedPrice": {"value": cent(currency, int(value * 10**cd)), "includedDiscounts": []},
            }
            for qty, value in groups
        ]
    total = round_fraction(sum((qty * value for qty, value in groups), Fraction(0)) * 10**cd, mode)
    line["totalPrice"] = cent(currency, total)
    return line


@st.composite
def order_json(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(CURRENCIES))
    price_mode = draw(st.sampled_from(list(RoundingMode)))
    included = draw(st.booleans())
    items = [draw(line_json(currency, i, price_mode, False)) for i in range(draw(st.integers(1, 3)))]
    customs = [draw(line_json(currency, i, price_mode, True)) for i in range(draw(st.integers(0, 1)))]
    for line in items + customs:
        line["taxRate"] = {
            "name": "VAT",
            "amount": msgspec.Raw(draw(st.sampled_from(RATES)).encode()),
            "includedInPrice": included,
            "country": "DE",
        }
    lines_total = sum(line["totalPrice"]["centAmount"] for line in items + customs)
    order: dict[str, Any] = {
        "id": "order-1",
        "version": draw(st.integers(1, 99)),
        "createdAt": "2026-11-20T10:15:00Z",
        "lastModifiedAt": "2026-11-20T10:15:00Z",
        "lineItems": items,
        "customLineItems": customs,
        "taxMode": draw(st.sampled_from(["Platform", "Disabled"])),
        "taxCalculationMode": draw(st.sampled_from(["LineItemLevel", "UnitPriceLevel"])),
        "priceRoundingMode": price_mode.value,
        "taxRoundingMode": draw(st.sampled_from(list(RoundingMode))).value,
    }
    discount = draw(st.integers(0, lines_total)) if draw(st.booleans()) else 0
    if discount:
        order["discountOnTotalPrice"] = {"discountedAmount": cent(currency, discount)}
    shipping = draw(st.integers(0, 2000))
    if shipping:
        order["shippingInfo"] = {
            "shippingMethodName": "Standard",
            "price": cent(currency, shipping),
            "taxRate": {
                "name": "VAT",
                "amount": msgspec.Raw(b"0.2"),
                "includedInPrice": included,
                "country": "DE",
            },
        }
    order["totalPrice"] = cent(currency, lines_total + shipping - discount)
    return order


def decode(order: dict[str, Any]) -> Order:
    return decode_order(msgspec.json.encode(order))


@st.composite
def partition(draw: st.DrawFn, quantity: int) -> list[int]:
    """Any split of `quantity` units into successive returns (chunk sizes, in order)."""
    cuts = sorted(draw(st.sets(st.integers(1, quantity - 1), max_size=quantity - 1)) if quantity > 1 else [])
    bounds = [0, *cuts, quantity]
    return [b - a for a, b in itertools.pairwise(bounds)]
