"""Reaching a return shipment state through `setReturnInfo` when `setReturnShipmentState` is refused.

A `ReturnItemDraft` only accepts `Advised` or `Returned` and carries no payment state, so one request
rewrites the array with every item (key, quantity, line, comment, custom fields, tracking id, date)
at its base state, then, in the same version-checked request, restores what the drafts cannot carry:
`BackInStock`/`Unusable` (allowed from `Returned`) and non-default payment states, by item key.
Items without a key get new ids from the rewrite; `positional_restore` fixes them by position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backflow.adapters.commercetools.updates import Actions
from backflow.domain.order import Order, ReturnItem, ReturnPaymentState, ReturnShipmentState
from backflow.domain.statuses import shipment_move_needed
from backflow.ports.errors import NotFoundError

_AFTER_RECEIPT = ("Returned", "BackInStock", "Unusable")


def _base(state: ReturnShipmentState) -> ReturnShipmentState:
    return "Returned" if state in _AFTER_RECEIPT else "Advised"


def _default_payment(base: ReturnShipmentState) -> ReturnPaymentState:
    return "NonRefundable" if base == "Advised" else "Initial"


def _target_payment(item: ReturnItem, new_base: ReturnShipmentState) -> ReturnPaymentState:
    """A payment state still at its creation default follows the item to its new base state."""
    if item.paymentState == _default_payment(_base(item.shipmentState)):
        return _default_payment(new_base)
    return item.paymentState


def _draft(item: ReturnItem, base: ReturnShipmentState) -> dict[str, Any]:
    draft: dict[str, Any] = {"quantity": item.quantity, "shipmentState": base}
    if item.key is not None:
        draft["key"] = item.key
    if item.lineItemId is not None:
        draft["lineItemId"] = item.lineItemId
    if item.customLineItemId is not None:
        draft["customLineItemId"] = item.customLineItemId
    if item.comment is not None:
        draft["comment"] = item.comment
    if item.custom is not None and item.custom.type is not None:
        ref = (
            {"typeId": "type", "id": item.custom.type.id}
            if item.custom.type.id
            else {
                "typeId": "type",
                "key": item.custom.type.key,
            }
        )
        draft["custom"] = {"type": ref, "fields": dict(item.custom.fields)}
    return draft


def _followups(
    ref: dict[str, str], item: ReturnItem, shipment: ReturnShipmentState, payment: ReturnPaymentState
) -> Actions:
    actions: Actions = []
    if shipment != _base(shipment):
        actions.append({"action": "setReturnShipmentState", **ref, "shipmentState": shipment})
    if payment != _default_payment(_base(shipment)):
        actions.append({"action": "setReturnPaymentState", **ref, "paymentState": payment})
    return actions


def rewrite_actions(order: Order, moves: Mapping[str, ReturnShipmentState]) -> Actions | None:
    """One `setReturnInfo` plus follow-ups moving each item (key → state) forward; None when every item
    is there already (or further on: never backwards)."""
    targets: dict[str, ReturnShipmentState] = {}
    for key, state in moves.items():
        item = order.return_item_by_key(key)
        if item is None:
            raise NotFoundError(f"order {order.id} has no return item with key {key!r}", status=404)
        if shipment_move_needed(item.shipmentState, state):
            targets[key] = state
    if not targets:
        return None
    infos: list[dict[str, Any]] = []
    followups: Actions = []
    for info in order.returnInfo:
        drafts = []
        for item in info.items:
            moved = targets.get(item.key) if item.key is not None else None
            shipment = item.shipmentState if moved is None else moved
            payment = item.paymentState if moved is None else _target_payment(item, _base(moved))
            drafts.append(_draft(item, _base(shipment)))
            if item.key is not None:
                followups += _followups({"returnItemKey": item.key}, item, shipment, payment)
        entry: dict[str, Any] = {"items": drafts}
        if info.returnTrackingId is not None:
            entry["returnTrackingId"] = info.returnTrackingId
        if info.returnDate is not None:
            entry["returnDate"] = info.returnDate.isoformat().replace("+00:00", "Z")
        infos.append(entry)
    return [{"action": "setReturnInfo", "items": infos}, *followups]


def positional_restore(before: Order, current: Order) -> Actions | None:
    """Restore keyless items' states after a rewrite, matching them by position, line and quantity."""
    actions: Actions = []
    for old_info, new_info in zip(before.returnInfo, current.returnInfo, strict=False):
        for old, new in zip(old_info.items, new_info.items, strict=False):
            if old.key is not None or new.key is not None:
                continue
            if (old.lineItemId, old.customLineItemId, old.quantity) != (
                new.lineItemId,
                new.customLineItemId,
                new.quantity,
            ):
                continue  # the array changed meanwhile: leave it rather than guess
            ref = {"returnItemId": new.id}
            if new.shipmentState != old.shipmentState:
                actions.append(
                    {"action": "setReturnShipmentState", **ref, "shipmentState": old.shipmentState}
                )
            if new.paymentState != old.paymentState:
                actions.append({"action": "setReturnPaymentState", **ref, "paymentState": old.paymentState})
    return actions or None
