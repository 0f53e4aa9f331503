"""Turning drafts into stored resources the way commercetools does (money, custom fields, line items)."""

from __future__ import annotations

import re
from typing import Any

from backflow.devtools.commercetools_sim.errors import invalid, required
from backflow.devtools.commercetools_sim.state import Resource, SimState
from backflow.domain.currencies import currency_digits, is_currency_code

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{2,256}$")


def typed_money(draft: Any, field: str) -> Resource:
    if not isinstance(draft, dict) or "currencyCode" not in draft or "centAmount" not in draft:
        if isinstance(draft, dict) and draft.get("type") == "highPrecision":
            return dict(draft)
        raise required(field)
    code = draft["currencyCode"]
    if not isinstance(code, str) or not is_currency_code(code):
        raise invalid(
            f"'{code}' is not a valid currency code.", "InvalidField", field=f"{field}.currencyCode"
        )
    if draft.get("type") == "highPrecision":
        return dict(draft)
    cents = draft["centAmount"]
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise invalid(f"centAmount of {field} must be an integer.", "InvalidField", field=field)
    digits = currency_digits(code)
    return {"type": "centPrecision", "currencyCode": code, "centAmount": cents, "fractionDigits": digits}


def _check_field(definition: Resource, value: Any) -> bool:
    kind = definition["type"]
    name = kind.get("name")
    if name == "Set":
        return isinstance(value, list) and all(_check_field({"type": kind["elementType"]}, v) for v in value)
    if name == "Enum":
        return value in [v["key"] for v in kind.get("values", [])]
    if name in ("String", "Date", "DateTime", "Time"):
        return isinstance(value, str)
    if name == "Number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "Boolean":
        return isinstance(value, bool)
    return True


def validate_fields(state: SimState, type_resource: Resource, fields: dict[str, Any]) -> None:
    definitions = {d["name"]: d for d in type_resource.get("fieldDefinitions", [])}
    for name, value in fields.items():
        definition = definitions.get(name)
        if definition is None:
            raise invalid(f"The field '{name}' is not defined in the type.", "FieldDefinitionNotFound")
        if value is not None and not _check_field(definition, value):
            raise invalid(f"The value '{value}' is not valid for field '{name}'.", "InvalidField", field=name)


def custom_fields(state: SimState, draft: Any, resource_type_id: str) -> Resource | None:
    if draft is None:
        return None
    ref = draft.get("type") or {}
    type_resource = state.by_key_or_id("type", ref)
    if type_resource is None:
        raise invalid(
            f"The referenced type with key '{ref.get('key')}' / id '{ref.get('id')}' was not found.",
            "ReferencedResourceNotFound",
            typeId="type",
        )
    if resource_type_id not in type_resource["resourceTypeIds"]:
        raise invalid(f"The type does not apply to '{resource_type_id}'.", "InvalidOperation")
    fields = {k: v for k, v in (draft.get("fields") or {}).items() if v is not None}
    validate_fields(state, type_resource, fields)
    return {"type": {"typeId": "type", "id": type_resource["id"]}, "fields": fields}


def line_item(state: SimState, draft: Resource) -> Resource:
    variant = draft.get("variant") or {}
    if not variant.get("sku"):
        raise required("lineItems.variant.sku")
    quantity = draft.get("quantity", 1)
    price = draft.get("price") or {}
    value = typed_money(price.get("value"), "lineItems.price.value")
    total = draft.get("totalPrice")
    if total is None:
        total = {**value, "centAmount": value["centAmount"] * quantity}
    item = {
        "id": state.new_id(),
        "productId": draft.get("productId") or state.new_id(),
        "name": draft.get("name") or {"en": variant["sku"]},
        "variant": {"id": variant.get("id", 1), "sku": variant["sku"]},
        "price": {
            "id": state.new_id(),
            "value": value,
            **({k: price[k] for k in ("discounted",) if k in price}),
        },
        "quantity": quantity,
        "totalPrice": typed_money(total, "lineItems.totalPrice"),
        "discountedPricePerQuantity": draft.get("discountedPricePerQuantity", []),
        "state": [],
        "priceMode": "Platform",
        "lineItemMode": "Standard",
    }
    for optional in ("taxRate", "taxedPrice", "supplyChannel", "key", "custom"):
        if optional in draft:
            item[optional] = draft[optional]
    return item


def custom_line_item(state: SimState, draft: Resource) -> Resource:
    money = typed_money(draft.get("money"), "customLineItems.money")
    quantity = draft.get("quantity", 1)
    total = draft.get("totalPrice") or {**money, "centAmount": money["centAmount"] * quantity}
    item = {
        "id": state.new_id(),
        "name": draft.get("name") or {"en": "custom"},
        "money": money,
        "quantity": quantity,
        "totalPrice": typed_money(total, "customLineItems.totalPrice"),
        "slug": draft.get("slug", "custom"),
        "discountedPricePerQuantity": draft.get("discountedPricePerQuantity", []),
        "priceMode": "Standard",
    }
    for optional in ("taxRate", "taxedPrice", "key"):
        if optional in draft:
            item[optional] = draft[optional]
    return item


def order_from_draft(state: SimState, draft: Resource, origin: str) -> Resource:
    number = draft.get("orderNumber")
    if number is not None and state.find("order", "orderNumber", number) is not None:
        raise invalid(
            f"An order with orderNumber '{number}' already exists.",
            "DuplicateField",
            field="orderNumber",
            duplicateValue=number,
        )
    order: Resource = {
        "lineItems": [line_item(state, d) for d in draft.get("lineItems", [])],
        "customLineItems": [custom_line_item(state, d) for d in draft.get("customLineItems", [])],
        "totalPrice": typed_money(draft.get("totalPrice"), "totalPrice"),
        "orderState": draft.get("orderState", "Open"),
        "origin": origin,
        "shippingMode": "Single",
        "returnInfo": [],
        "syncInfo": [],
        "taxMode": draft.get("taxMode", "Platform"),
        "taxRoundingMode": draft.get("taxRoundingMode", "HalfEven"),
        "taxCalculationMode": draft.get("taxCalculationMode", "LineItemLevel"),
        "priceRoundingMode": draft.get("priceRoundingMode", "HalfEven"),
    }
    for optional in (
        "orderNumber",
        "customerId",
        "customerEmail",
        "store",
        "taxedPrice",
        "shippingAddress",
        "billingAddress",
        "shippingInfo",
        "discountOnTotalPrice",
        "paymentState",
        "shipmentState",
        "completedAt",
        "paymentInfo",
    ):
        if optional in draft:
            order[optional] = draft[optional]
    if "custom" in draft:
        order["custom"] = custom_fields(state, draft["custom"], "order")
    return order
