"""Payment and inventory entry update actions, plus the drafts that create them."""

from __future__ import annotations

from collections.abc import Callable

from backflow.devtools.commercetools_sim.drafts import custom_fields, typed_money, validate_fields
from backflow.devtools.commercetools_sim.errors import invalid, invalid_operation, required
from backflow.devtools.commercetools_sim.order_actions import Emitted
from backflow.devtools.commercetools_sim.state import Resource, SimState

TRANSACTION_TYPES = ("Authorization", "CancelAuthorization", "Charge", "Refund", "Chargeback")
TRANSACTION_STATES = ("Initial", "Pending", "Success", "Failure")


# ---------------------------------------------------------------------- payments
def _transaction(state: SimState, draft: Resource) -> Resource:
    if draft.get("type") not in TRANSACTION_TYPES:
        raise invalid(f"Invalid transaction type '{draft.get('type')}'.", "InvalidField", field="type")
    status = draft.get("state", "Initial")
    if status not in TRANSACTION_STATES:
        raise invalid(f"Invalid transaction state '{status}'.", "InvalidField", field="state")
    transaction: Resource = {
        "id": state.new_id(),
        "type": draft["type"],
        "amount": typed_money(draft.get("amount"), "transaction.amount"),
        "state": status,
    }
    for optional in ("interactionId", "timestamp"):
        if draft.get(optional) is not None:
            transaction[optional] = draft[optional]
    if draft.get("custom") is not None:
        transaction["custom"] = custom_fields(state, draft["custom"], "transaction")
    return transaction


def payment_from_draft(state: SimState, draft: Resource) -> Resource:
    payment: Resource = {
        "amountPlanned": typed_money(draft.get("amountPlanned"), "amountPlanned"),
        "paymentMethodInfo": draft.get("paymentMethodInfo", {}),
        "paymentStatus": draft.get("paymentStatus", {}),
        "transactions": [_transaction(state, t) for t in draft.get("transactions", [])],
        "interfaceInteractions": [],
    }
    if draft.get("key") is not None:
        payment["key"] = draft["key"]
    return payment


def add_transaction(state: SimState, payment: Resource, action: Resource) -> Emitted:
    if action.get("transaction") is None:
        raise required("transaction")
    transaction = _transaction(state, action["transaction"])
    payment["transactions"].append(transaction)
    return [("PaymentTransactionAdded", {"transaction": transaction})]


def change_transaction_state(state: SimState, payment: Resource, action: Resource) -> Emitted:
    found = next((t for t in payment["transactions"] if t["id"] == action.get("transactionId")), None)
    if found is None:
        raise invalid_operation(f"Transaction '{action.get('transactionId')}' does not exist.")
    if action.get("state") not in TRANSACTION_STATES:
        raise invalid(f"Invalid transaction state '{action.get('state')}'.", "InvalidField", field="state")
    found["state"] = action["state"]
    return [("PaymentTransactionStateChanged", {"transactionId": found["id"], "state": found["state"]})]


PAYMENT_ACTIONS: dict[str, Callable[[SimState, Resource, Resource], Emitted]] = {
    "addTransaction": add_transaction,
    "changeTransactionState": change_transaction_state,
}


# ---------------------------------------------------------------------- inventory
def inventory_from_draft(state: SimState, draft: Resource) -> Resource:
    sku = draft.get("sku")
    if not sku:
        raise required("sku")
    quantity = draft.get("quantityOnStock")
    if not isinstance(quantity, int):
        raise required("quantityOnStock")
    channel = draft.get("supplyChannel")
    channel_id = channel.get("id") if channel else None
    for other in state.table("inventory-entry").values():
        if other["sku"] == sku and (other.get("supplyChannel") or {}).get("id") == channel_id:
            raise invalid(
                f"An inventory entry for SKU '{sku}' and this supply channel already exists.",
                "DuplicateField",
                field="sku",
                duplicateValue=sku,
            )
    entry: Resource = {"sku": sku, "quantityOnStock": quantity, "availableQuantity": quantity}
    if channel_id:
        entry["supplyChannel"] = {"typeId": "channel", "id": channel_id}
    if draft.get("key") is not None:
        entry["key"] = draft["key"]
    if draft.get("custom") is not None:
        entry["custom"] = custom_fields(state, draft["custom"], "inventory-entry")
    return entry


def _set_quantity(entry: Resource, new: int) -> Emitted:
    old_stock, old_available = entry["quantityOnStock"], entry["availableQuantity"]
    reserved = old_stock - old_available
    entry["quantityOnStock"] = new
    entry["availableQuantity"] = new - reserved
    payload: Resource = {
        "oldQuantityOnStock": old_stock,
        "newQuantityOnStock": new,
        "oldAvailableQuantity": old_available,
        "newAvailableQuantity": entry["availableQuantity"],
        "sku": entry["sku"],
    }
    if entry.get("supplyChannel"):
        payload["supplyChannel"] = entry["supplyChannel"]
    return [("InventoryEntryQuantitySet", payload)]


def _quantity(action: Resource) -> int:
    quantity = action.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise required("quantity")
    return quantity


def add_quantity(state: SimState, entry: Resource, action: Resource) -> Emitted:
    return _set_quantity(entry, entry["quantityOnStock"] + _quantity(action))


def remove_quantity(state: SimState, entry: Resource, action: Resource) -> Emitted:
    return _set_quantity(entry, entry["quantityOnStock"] - _quantity(action))


def change_quantity(state: SimState, entry: Resource, action: Resource) -> Emitted:
    return _set_quantity(entry, _quantity(action))


def set_custom_type(state: SimState, entry: Resource, action: Resource) -> Emitted:
    if action.get("type") is None:
        entry.pop("custom", None)
    else:
        draft = {"type": action["type"], "fields": action.get("fields")}
        entry["custom"] = custom_fields(state, draft, "inventory-entry")
    return []


def set_custom_field(state: SimState, entry: Resource, action: Resource) -> Emitted:
    custom = entry.get("custom")
    if custom is None:
        raise invalid_operation("The inventory entry has no custom type.")
    name, value = str(action.get("name")), action.get("value")
    if value is None:
        custom["fields"].pop(name, None)
    else:
        validate_fields(state, state.get("type", custom["type"]["id"]), {name: value})
        custom["fields"][name] = value
    return []


INVENTORY_ACTIONS: dict[str, Callable[[SimState, Resource, Resource], Emitted]] = {
    "addQuantity": add_quantity,
    "removeQuantity": remove_quantity,
    "changeQuantity": change_quantity,
    "setCustomType": set_custom_type,
    "setCustomField": set_custom_field,
}
