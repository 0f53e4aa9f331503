"""Pricing an order the way commercetools prices a cart: line totals, cart discounts, taxes, totals.

Used for orders placed "as if from a priced cart" (`/_sim/orders/from-cart`) and to recompute an order
after an order edit. The rules (contracts/commercetools.md §3):
- a Platform-priced line's unit price goes through its line-targeted cart discounts by sortOrder,
  rounding after each step with `priceRoundingMode`; `discountedPricePerQuantity` holds the result and
  the line total is the discounted unit price times the quantity (an undiscounted high-precision unit
  price is multiplied out and rounded once);
- an `ExternalTotal` line (setLineItemTotalPrice) keeps the total it was given, no cart discount applies;
- a totalPrice-targeted cart discount is the order's `discountOnTotalPrice`: it is not folded into line
  totals, but prorated over the lines' taxed prices (largest remainder), which then add up to the
  order's `totalPrice`;
- taxes per line at LineItemLevel from the line's `taxRate`, rounded with `taxRoundingMode`; shipping
  with a `taxRate` is taxed the same way (its `taxedPrice`), and counts in the order's tax portions.

A discount the simulator does not know (a line imported with figures of its own) is kept as it stands:
the line's discounted unit price, or the order's discounted amount, is carried over unchanged.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from backflow.devtools.commercetools_sim.state import Resource, SimState
from backflow.domain.allocation import largest_remainder
from backflow.domain.currencies import currency_digits
from backflow.domain.rates import parse_rate
from backflow.domain.rounding import RoundingMode, round_fraction

_SKUS = re.compile(r'"([^"]+)"')


def cents(amount: int, currency: str) -> Resource:
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": amount,
        "fractionDigits": currency_digits(currency),
    }


def _unit_price(value: Resource, quantity: int, mode: RoundingMode) -> tuple[int, int]:
    """(unit price in cents, undiscounted line total in cents) of a possibly high-precision price."""
    if value.get("type") == "highPrecision":
        digits = int(value["fractionDigits"]) - currency_digits(value["currencyCode"])
        precise = Fraction(int(value["preciseAmount"]), 10**digits)
        return round_fraction(precise, mode), round_fraction(precise * quantity, mode)
    return int(value["centAmount"]), int(value["centAmount"]) * quantity


def discount_applies(discount: Resource, sku: str) -> bool:
    target = discount.get("target") or {}
    if target.get("type") != "lineItems":
        return False
    predicate = str(target.get("predicate", "true")).strip()
    return predicate == "true" or sku in _SKUS.findall(predicate)


def _discount_amount(discount: Resource, base: int, currency: str, mode: RoundingMode) -> int:
    value = discount["value"]
    if value["type"] == "relative":
        return min(base, round_fraction(Fraction(base * int(value["permyriad"]), 10000), mode))
    money = next((m for m in value.get("money", []) if m["currencyCode"] == currency), None)
    return min(base, int(money["centAmount"])) if money else 0


def _ref(discount: Resource) -> Resource:
    return {"typeId": "cart-discount", "id": discount["id"]}


def order_discounts(state: SimState, order: Resource) -> list[Resource]:
    """The active cart discounts that apply to the order: the automatic ones (no code required) and
    those of the discount codes it carries, highest sortOrder first (the order they apply in)."""
    ids = [d["id"] for d in state.table("cart-discount").values() if not d.get("requiresDiscountCode")]
    for code in order.get("discountCodes", []):
        found = state.table("discount-code").get(code["discountCode"]["id"])
        ids += [ref["id"] for ref in (found or {}).get("cartDiscounts", [])]
    known = [state.table("cart-discount").get(i) for i in dict.fromkeys(ids)]
    active = [d for d in known if d and d.get("isActive", True)]
    return sorted(active, key=lambda d: -float(d.get("sortOrder", "0.5")))


def _kept_discounts(state: SimState, line: Resource) -> bool:
    """True when the line carries a discount the simulator cannot recompute (imported figures)."""
    for per_quantity in line.get("discountedPricePerQuantity", []):
        for included in per_quantity["discountedPrice"].get("includedDiscounts", []):
            if included["discount"]["id"] not in state.table("cart-discount"):
                return True
    return False


def price_line(state: SimState, order: Resource, line: Resource, discounts: list[Resource]) -> None:
    """Sets the line's `discountedPricePerQuantity` and `totalPrice` from its price and quantity."""
    mode = RoundingMode(order.get("priceRoundingMode", "HalfEven"))
    currency = line["price"]["value"]["currencyCode"]
    quantity = int(line["quantity"])
    if line.get("priceMode") == "ExternalTotal":
        return  # its total was given with the edit
    if line.get("priceMode", "Platform") == "Platform" and _kept_discounts(state, line):
        [per_quantity] = line["discountedPricePerQuantity"][:1] or [None]
        unit = int(per_quantity["discountedPrice"]["value"]["centAmount"])
        per_quantity["quantity"] = quantity
        line["discountedPricePerQuantity"] = [per_quantity]
        line["totalPrice"] = cents(unit * quantity, currency)
        return
    unit, total = _unit_price(line["price"]["value"], quantity, mode)
    if "discounted" in line["price"]:
        unit = int(line["price"]["discounted"]["value"]["centAmount"])
        total = unit * quantity
    included = []
    for discount in (d for d in discounts if discount_applies(d, line["variant"].get("sku", ""))):
        amount = _discount_amount(discount, unit, currency, mode)
        if amount:
            unit -= amount
            included.append({"discount": _ref(discount), "discountedAmount": cents(amount, currency)})
    line["discountedPricePerQuantity"] = []
    if included:
        total = unit * quantity
        price = {"value": cents(unit, currency), "includedDiscounts": included}
        line["discountedPricePerQuantity"] = [{"quantity": quantity, "discountedPrice": price}]
    line["totalPrice"] = cents(total, currency)


def _taxed(total: int, rate: Fraction, included: bool, mode: RoundingMode) -> tuple[int, int]:
    """(net, gross) of a line total at LineItemLevel."""
    if included:
        net = round_fraction(Fraction(total) / (1 + rate), mode)
        return net, total
    return total, total + round_fraction(total * rate, mode)


def _order_discount(
    order: Resource, discounts: list[Resource], base: int, currency: str
) -> tuple[int, list[Resource]]:
    mode = RoundingMode(order.get("priceRoundingMode", "HalfEven"))
    existing = order.get("discountOnTotalPrice")
    targeted = [d for d in discounts if (d.get("target") or {}).get("type") == "totalPrice"]
    if existing and not targeted:  # imported figures the simulator cannot recompute
        return min(base, int(existing["discountedAmount"]["centAmount"])), existing.get(
            "includedDiscounts", []
        )
    total, included = 0, []
    for discount in targeted:
        amount = _discount_amount(discount, base - total, currency, mode)
        if amount:
            total += amount
            included.append({"discount": _ref(discount), "discountedAmount": cents(amount, currency)})
    return total, included


def price_order(state: SimState, order: Resource) -> Resource:
    """Recomputes every line, the order-level discount, the taxes and the totals, in place."""
    discounts = order_discounts(state, order)
    currency = order["totalPrice"]["currencyCode"]
    tax_mode = RoundingMode(order.get("taxRoundingMode", "HalfEven"))
    lines: list[Resource] = order["lineItems"] + order.get("customLineItems", [])
    for line in order["lineItems"]:
        price_line(state, order, line, discounts)
    totals = [int(line["totalPrice"]["centAmount"]) for line in lines]
    discount, included = _order_discount(order, discounts, sum(totals), currency)
    shares = largest_remainder(discount, totals) if lines else []
    net_sum = gross_sum = 0
    portions: dict[str, int] = {}
    taxed_everywhere = all(line.get("taxRate") for line in lines)
    for line, total, share in zip(lines, totals, shares, strict=True):
        line.pop("taxedPrice", None)
        if not line.get("taxRate"):
            continue
        rate = parse_rate(str(line["taxRate"]["amount"]))
        net, gross = _taxed(total - share, rate, bool(line["taxRate"]["includedInPrice"]), tax_mode)
        line["taxedPrice"] = _taxed_price(net, gross, currency, line["taxRate"])
        net_sum, gross_sum = net_sum + net, gross_sum + gross
        key = str(line["taxRate"]["amount"])
        portions[key] = portions.get(key, 0) + gross - net
    shipping = _shipping(order, tax_mode)
    if shipping[1] != shipping[0]:
        key = str(order["shippingInfo"]["taxRate"]["amount"])
        portions[key] = portions.get(key, 0) + shipping[1] - shipping[0]
    order["totalPrice"] = cents(sum(totals) - discount + shipping[2], currency)
    _set_order_discount(
        order, discount, included, currency, (net_sum, gross_sum) if taxed_everywhere else None
    )
    if taxed_everywhere and lines:
        net_sum, gross_sum = net_sum + shipping[0], gross_sum + shipping[1]
        order["taxedPrice"] = {
            "totalNet": cents(net_sum, currency),
            "totalGross": cents(gross_sum, currency),
            "totalTax": cents(gross_sum - net_sum, currency),
            "taxPortions": [
                {"rate": float(rate), "amount": cents(amount, currency)} for rate, amount in portions.items()
            ],
        }
    else:
        order.pop("taxedPrice", None)
    return order


def _taxed_price(net: int, gross: int, currency: str, rate: Resource) -> Resource:
    return {
        "totalNet": cents(net, currency),
        "totalGross": cents(gross, currency),
        "totalTax": cents(gross - net, currency),
        "taxPortions": [
            {"rate": rate["amount"], "name": rate.get("name"), "amount": cents(gross - net, currency)}
        ],
    }


def _shipping(order: Resource, mode: RoundingMode) -> tuple[int, int, int]:
    """(net, gross, price) of the order's shipping: taxed from its `taxRate` when it has one, else as
    it was charged (a `taxedPrice` given with it, or untaxed)."""
    info: Any = order.get("shippingInfo")
    if not info:
        return 0, 0, 0
    price = int(info["price"]["centAmount"])
    if info.get("taxRate"):
        currency = info["price"]["currencyCode"]
        rate = parse_rate(str(info["taxRate"]["amount"]))
        net, gross = _taxed(price, rate, bool(info["taxRate"]["includedInPrice"]), mode)
        info["price"] = cents(price, currency)
        info["taxedPrice"] = _taxed_price(net, gross, currency, info["taxRate"])
        return net, gross, price
    taxed = info.get("taxedPrice")
    if taxed:
        return int(taxed["totalNet"]["centAmount"]), int(taxed["totalGross"]["centAmount"]), price
    return price, price, price


def _set_order_discount(
    order: Resource, discount: int, included: list[Resource], currency: str, taxed: tuple[int, int] | None
) -> None:
    if not discount:
        order.pop("discountOnTotalPrice", None)
        return
    found: Resource = {"discountedAmount": cents(discount, currency), "includedDiscounts": included}
    if taxed is not None:
        lines = order["lineItems"] + order.get("customLineItems", [])
        gross_before = sum(int(line["totalPrice"]["centAmount"]) for line in lines)
        net_before = sum(
            _taxed(
                int(line["totalPrice"]["centAmount"]),
                parse_rate(str(line["taxRate"]["amount"])),
                bool(line["taxRate"]["includedInPrice"]),
                RoundingMode(order.get("taxRoundingMode", "HalfEven")),
            )[0]
            for line in lines
        )
        included_tax = all(line["taxRate"]["includedInPrice"] for line in lines)
        if included_tax:
            found["discountedGrossAmount"] = cents(discount, currency)
            found["discountedNetAmount"] = cents(net_before - taxed[0], currency)
        else:
            found["discountedNetAmount"] = cents(discount, currency)
            found["discountedGrossAmount"] = cents(gross_before - taxed[1], currency)
    order["discountOnTotalPrice"] = found
