"""The staged order update actions an OrderEdit can carry, applied to a working copy of the order.

Each action changes lines or discount codes only; `pricing.price_order` then recomputes the totals,
discounts and taxes as commercetools recalculates an edited order.
"""

from __future__ import annotations

from collections.abc import Callable

from backflow.devtools.commercetools_sim.drafts import typed_money
from backflow.devtools.commercetools_sim.errors import CtError, invalid, invalid_operation, required
from backflow.devtools.commercetools_sim.pricing import cents
from backflow.devtools.commercetools_sim.state import Resource, SimState

StagedAction = Callable[[SimState, Resource, Resource], None]


def _line(order: Resource, action: Resource) -> Resource:
    ref = action.get("lineItemId") or action.get("lineItemKey")
    if ref is None:
        raise required("lineItemId")
    found: Resource | None = next((li for li in order["lineItems"] if ref in (li["id"], li.get("key"))), None)
    if found is None:
        raise invalid_operation(f"A line item with ID '{ref}' not found.")
    return found


def _quantity(action: Resource, default: int | None = None) -> int:
    quantity = action.get("quantity", default)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise invalid(
            f"Invalid quantity '{quantity}'.", "InvalidField", field="quantity", invalidValue=quantity
        )
    return quantity


def _external_prices(line: Resource, action: Resource) -> None:
    """An `externalPrice` or `externalTotalPrice` given with the action sets the line's price mode."""
    if action.get("externalTotalPrice") is not None or action.get("externalPrice") is not None:
        line["price"].pop("discounted", None)  # a product discount belongs to the platform price
    if action.get("externalTotalPrice") is not None:
        given = action["externalTotalPrice"]
        line["priceMode"] = "ExternalTotal"
        line["price"]["value"] = typed_money(given.get("price"), "externalTotalPrice.price")
        line["totalPrice"] = typed_money(given.get("totalPrice"), "externalTotalPrice.totalPrice")
        line["discountedPricePerQuantity"] = []
    elif action.get("externalPrice") is not None:
        line["priceMode"] = "ExternalPrice"
        line["price"]["value"] = typed_money(action["externalPrice"], "externalPrice")
    elif line.get("priceMode") == "ExternalTotal":
        # A total given for the old quantity cannot hold for a new one: back to the line's own price.
        line["priceMode"] = "ExternalPrice"


def change_line_item_quantity(state: SimState, order: Resource, action: Resource) -> None:
    line = _line(order, action)
    quantity = _quantity(action)
    if quantity == 0:
        order["lineItems"].remove(line)
        return
    line["quantity"] = quantity
    _external_prices(line, action)


def remove_line_item(state: SimState, order: Resource, action: Resource) -> None:
    line = _line(order, action)
    quantity = _quantity(action, line["quantity"])
    if quantity >= line["quantity"]:
        order["lineItems"].remove(line)
        return
    line["quantity"] -= quantity
    _external_prices(line, action)


def add_line_item(state: SimState, order: Resource, action: Resource) -> None:
    """The simulator keeps no product catalogue: the price comes with the action (`externalPrice` or
    `externalTotalPrice`), the tax rate from `externalTaxRate` or else the order's first line."""
    sku = action.get("sku")
    if not sku:
        raise required("sku")
    if action.get("externalPrice") is None and action.get("externalTotalPrice") is None:
        raise invalid_operation(
            f"The simulator has no product price for SKU '{sku}': give externalPrice or externalTotalPrice."
        )
    quantity = _quantity(action, 1) or 1
    money = action.get("externalPrice") or action["externalTotalPrice"]["price"]
    line: Resource = {
        "id": state.new_id(),
        "productId": action.get("productId") or state.new_id(),
        "name": {"en": sku},
        "variant": {"id": 1, "sku": sku},
        "price": {"id": state.new_id(), "value": typed_money(money, "externalPrice")},
        "quantity": quantity,
        "totalPrice": cents(0, money["currencyCode"]),
        "discountedPricePerQuantity": [],
        "state": [],
        "priceMode": "Platform",
        "lineItemMode": "Standard",
    }
    rate = action.get("externalTaxRate") or next(
        (li["taxRate"] for li in order["lineItems"] if li.get("taxRate")), None
    )
    if rate is not None:
        line["taxRate"] = dict(rate)
    for optional in ("key", "supplyChannel"):
        if optional in action:
            line[optional] = action[optional]
    _external_prices(line, action)
    order["lineItems"].append(line)


def set_line_item_total_price(state: SimState, order: Resource, action: Resource) -> None:
    line = _line(order, action)
    if action.get("externalTotalPrice") is None:
        line["priceMode"] = "Platform"
        return
    _external_prices(line, {"externalTotalPrice": action["externalTotalPrice"]})


def set_line_item_price(state: SimState, order: Resource, action: Resource) -> None:
    line = _line(order, action)
    if action.get("externalPrice") is None:
        line["priceMode"] = "Platform"
        return
    _external_prices(line, {"externalPrice": action["externalPrice"]})


def add_discount_code(state: SimState, order: Resource, action: Resource) -> None:
    code = action.get("code")
    found = state.find("discount-code", "code", code)
    if found is None:
        raise CtError(
            400,
            "DiscountCodeNonApplicable",
            f"The discount code '{code}' was not found.",
            discountCode=code,
            reason="DoesNotExist",
        )
    codes = order.setdefault("discountCodes", [])
    if all(c["discountCode"]["id"] != found["id"] for c in codes):
        codes.append({"discountCode": {"typeId": "discount-code", "id": found["id"]}, "state": "MatchesCart"})


def remove_discount_code(state: SimState, order: Resource, action: Resource) -> None:
    ref = (action.get("discountCode") or {}).get("id")
    codes = order.get("discountCodes", [])
    if all(c["discountCode"]["id"] != ref for c in codes):
        raise invalid_operation(f"The discount code '{ref}' is not on the order.")
    order["discountCodes"] = [c for c in codes if c["discountCode"]["id"] != ref]


STAGED_ACTIONS: dict[str, StagedAction] = {
    "changeLineItemQuantity": change_line_item_quantity,
    "removeLineItem": remove_line_item,
    "addLineItem": add_line_item,
    "setLineItemTotalPrice": set_line_item_total_price,
    "setLineItemPrice": set_line_item_price,
    "addDiscountCode": add_discount_code,
    "removeDiscountCode": remove_discount_code,
}
