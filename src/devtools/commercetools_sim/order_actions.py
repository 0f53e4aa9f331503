"""Order update actions with commercetools' validation rules; each returns the messages it causes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backflow.devtools.commercetools_sim.drafts import KEY_PATTERN, custom_fields, validate_fields
from backflow.devtools.commercetools_sim.errors import invalid, invalid_operation, required
from backflow.devtools.commercetools_sim.state import Resource, SimState

Emitted = list[tuple[str, Resource]]  # (message type, payload)
SHIPMENT_STATES = ("Advised", "Returned", "BackInStock", "Unusable")
PAYMENT_STATES = ("NonRefundable", "Initial", "Refunded", "NotRefunded")
INITIAL_PAYMENT = {"Advised": "NonRefundable", "Returned": "Initial"}


def _all_items(order: Resource) -> list[Resource]:
    return [item for info in order.get("returnInfo", []) for item in info["items"]]


def _return_item(order: Resource, action: Resource) -> Resource:
    items = _all_items(order)
    if not items:
        raise invalid_operation("The order has no return items.")
    if action.get("returnItemId"):
        found = next((i for i in items if i["id"] == action["returnItemId"]), None)
    elif action.get("returnItemKey"):
        found = next((i for i in items if i.get("key") == action["returnItemKey"]), None)
    else:
        raise required("returnItemId")
    if found is None:
        ref = action.get("returnItemId") or action.get("returnItemKey")
        raise invalid_operation(f"A return item with identifier '{ref}' does not exist.")
    return found


def _return_infos(state: SimState, order: Resource, drafts: list[Resource]) -> list[Resource]:
    keys = {i.get("key") for i in _all_items(order)} - {None}
    infos = []
    for draft in drafts:
        items = [_return_item_from_draft(state, order, d, keys) for d in draft.get("items") or []]
        if not items:
            raise required("items")
        info: Resource = {"items": items, "returnDate": draft.get("returnDate") or state.now()}
        if draft.get("returnTrackingId") is not None:
            info["returnTrackingId"] = draft["returnTrackingId"]
        infos.append(info)
    return infos


def _return_item_from_draft(state: SimState, order: Resource, draft: Resource, keys: set[Any]) -> Resource:
    key = draft.get("key")
    if key is not None:
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            raise invalid(f"Key '{key}' does not match the pattern.", "InvalidField", field="key")
        if key in keys:
            raise invalid(f"A return item with key '{key}' already exists.", "DuplicateField", field="key")
        keys.add(key)
    shipment = draft.get("shipmentState")
    if shipment is None:
        raise required("shipmentState")
    if shipment not in INITIAL_PAYMENT:
        raise invalid(
            f"Invalid shipmentState '{shipment}'.",
            "InvalidField",
            field="shipmentState",
            invalidValue=shipment,
            allowedValues=list(INITIAL_PAYMENT),
        )
    quantity = draft.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise invalid("quantity must be a positive integer.", "InvalidField", field="quantity")
    now = state.now()
    item: Resource = {"id": state.new_id(), "quantity": quantity, "shipmentState": shipment}
    if draft.get("lineItemId"):
        if not any(line["id"] == draft["lineItemId"] for line in order["lineItems"]):
            raise invalid(f"Line item '{draft['lineItemId']}' does not exist.", "InvalidOperation")
        item.update(type="LineItemReturnItem", lineItemId=draft["lineItemId"])
    elif draft.get("customLineItemId"):
        if not any(line["id"] == draft["customLineItemId"] for line in order["customLineItems"]):
            raise invalid(
                f"Custom line item '{draft['customLineItemId']}' does not exist.", "InvalidOperation"
            )
        item.update(type="CustomLineItemReturnItem", customLineItemId=draft["customLineItemId"])
    else:
        raise required("lineItemId")
    item["paymentState"] = INITIAL_PAYMENT[shipment]
    if key is not None:
        item["key"] = key
    if draft.get("comment") is not None:
        item["comment"] = draft["comment"]
    if draft.get("custom") is not None:
        item["custom"] = custom_fields(state, draft["custom"], "order-return-item")
    item["createdAt"] = item["lastModifiedAt"] = now
    return item


def add_return_info(state: SimState, order: Resource, action: Resource) -> Emitted:
    info = _return_infos(state, order, [action])[0]
    order.setdefault("returnInfo", []).append(info)
    return [("ReturnInfoAdded", {"returnInfo": info})]


def set_return_info(state: SimState, order: Resource, action: Resource) -> Emitted:
    order["returnInfo"] = []  # keys are checked against the new array only
    order["returnInfo"] = _return_infos(state, order, action.get("items") or [])
    return [("ReturnInfoSet", {"returnInfo": order["returnInfo"]})]


def set_return_shipment_state(state: SimState, order: Resource, action: Resource) -> Emitted:
    item = _return_item(order, action)
    target = action.get("shipmentState")
    if target not in SHIPMENT_STATES:
        raise invalid(f"Invalid shipmentState '{target}'.", "InvalidField", field="shipmentState")
    if state.options.strict_return_transitions and not (
        item["shipmentState"] == "Returned" and target in ("BackInStock", "Unusable")
    ):
        raise invalid_operation(
            f"Transition from '{item['shipmentState']}' to '{target}' is not allowed; "
            "only Returned to BackInStock or Unusable."
        )
    item["shipmentState"] = target
    item["lastModifiedAt"] = state.now()
    return [("OrderReturnShipmentStateChanged", {"returnItemId": item["id"], "returnShipmentState": target})]


def set_return_payment_state(state: SimState, order: Resource, action: Resource) -> Emitted:
    item = _return_item(order, action)
    target = action.get("paymentState")
    if target not in PAYMENT_STATES:
        raise invalid(f"Invalid paymentState '{target}'.", "InvalidField", field="paymentState")
    item["paymentState"] = target
    item["lastModifiedAt"] = state.now()
    return []  # commercetools has no message for this action


def set_return_item_custom_type(state: SimState, order: Resource, action: Resource) -> Emitted:
    item = _return_item(order, action)
    if action.get("type") is None:
        item.pop("custom", None)
    else:
        item["custom"] = custom_fields(
            state, {"type": action["type"], "fields": action.get("fields")}, "order-return-item"
        )
    return []


def set_return_item_custom_field(state: SimState, order: Resource, action: Resource) -> Emitted:
    item = _return_item(order, action)
    custom = item.get("custom")
    if custom is None:
        raise invalid_operation("The return item has no custom type.")
    name, value = str(action.get("name")), action.get("value")
    if value is None:
        if name not in custom["fields"]:
            raise invalid_operation(f"The field '{name}' is not set.")
        del custom["fields"][name]
    else:
        validate_fields(state, state.get("type", custom["type"]["id"]), {name: value})
        custom["fields"][name] = value
    return []


def add_payment(state: SimState, order: Resource, action: Resource) -> Emitted:
    payment = state.by_key_or_id("payment", action.get("payment") or {})
    if payment is None:
        raise invalid("The referenced payment was not found.", "ReferencedResourceNotFound", typeId="payment")
    refs = order.setdefault("paymentInfo", {"payments": []})["payments"]
    if any(ref["id"] == payment["id"] for ref in refs):
        raise invalid_operation("The payment is already part of the order.")
    refs.append({"typeId": "payment", "id": payment["id"]})
    return [("OrderPaymentAdded", {"payment": {"typeId": "payment", "id": payment["id"]}})]


def change_payment_state(state: SimState, order: Resource, action: Resource) -> Emitted:
    old = order.get("paymentState")
    order["paymentState"] = action.get("paymentState")
    return [("OrderPaymentStateChanged", {"paymentState": order["paymentState"], "oldPaymentState": old})]


def change_order_state(state: SimState, order: Resource, action: Resource) -> Emitted:
    old = order.get("orderState")
    order["orderState"] = action.get("orderState")
    return [("OrderStateChanged", {"orderState": order["orderState"], "oldOrderState": old})]


ORDER_ACTIONS: dict[str, Callable[[SimState, Resource, Resource], Emitted]] = {
    "addReturnInfo": add_return_info,
    "setReturnInfo": set_return_info,
    "setReturnShipmentState": set_return_shipment_state,
    "setReturnPaymentState": set_return_payment_state,
    "setReturnItemCustomType": set_return_item_custom_type,
    "setReturnItemCustomField": set_return_item_custom_field,
    "addPayment": add_payment,
    "changePaymentState": change_payment_state,
    "changeOrderState": change_order_state,
}
