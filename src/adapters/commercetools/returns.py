"""Return info on orders: add items idempotently by key, move their states, set the reason code.

Advised → Returned: commercetools' July 2026 documentation allows `setReturnShipmentState` only from
`Returned` to `BackInStock`/`Unusable`. We try the direct action first; when it is refused with
`InvalidOperation` we reach the same state with one version-checked `setReturnInfo` that rewrites the
whole array (see `rewrite.py`), so no item is lost or duplicated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backflow.adapters.commercetools.orders import Orders
from backflow.adapters.commercetools.rewrite import positional_restore, rewrite_actions
from backflow.adapters.commercetools.updates import Actions
from backflow.domain.order import Order, ReturnItem, ReturnPaymentState, ReturnShipmentState
from backflow.domain.statuses import shipment_move_needed
from backflow.ports.commerce_types import ReasonCode, ReturnItemRequest
from backflow.ports.errors import InvalidRequestError, NotFoundError


def item_draft(request: ReturnItemRequest) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "key": request.key,
        "quantity": request.quantity,
        "shipmentState": request.shipment_state,
    }
    if request.line_item_id is not None:
        draft["lineItemId"] = request.line_item_id
    else:
        draft["customLineItemId"] = request.custom_line_item_id
    if request.comment is not None:
        draft["comment"] = request.comment
    if request.reason is not None:
        draft["custom"] = {
            "type": {"typeId": "type", "key": request.reason.type_key},
            "fields": {request.reason.field: request.reason.value},
        }
    return draft


def _item(order: Order, key: str) -> ReturnItem:
    item = order.return_item_by_key(key)
    if item is None:
        raise NotFoundError(f"order {order.id} has no return item with key {key!r}", status=404)
    return item


class Returns:
    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    async def add_return_info(
        self, order_id: str, items: Sequence[ReturnItemRequest], return_tracking_id: str | None
    ) -> Order:
        keys = [item.key for item in items]
        if len(set(keys)) != len(keys):
            raise InvalidRequestError("return item keys must be unique", codes=("DuplicateField",))

        def plan(order: Order) -> Actions | None:
            known = {item.key for item in order.return_items()}
            fresh = [item_draft(item) for item in items if item.key not in known]
            if not fresh:
                return None  # all written before (perhaps by an attempt whose response was lost)
            action: dict[str, Any] = {"action": "addReturnInfo", "items": fresh}
            if return_tracking_id is not None:
                action["returnTrackingId"] = return_tracking_id
            return [action]

        return await self._orders.update(order_id, plan)

    async def set_shipment_state(self, order_id: str, key: str, state: ReturnShipmentState) -> Order:
        def direct(order: Order) -> Actions | None:
            if not shipment_move_needed(_item(order, key).shipmentState, state):
                return None  # there already, or further on: never move an item backwards
            return [{"action": "setReturnShipmentState", "returnItemKey": key, "shipmentState": state}]

        try:
            return await self._orders.update(order_id, direct)
        except InvalidRequestError as error:
            if "InvalidOperation" not in error.codes:
                raise
        before = await self._orders.get(order_id)
        order = await self._orders.update(order_id, lambda current: rewrite_actions(current, key, state))
        if any(item.key is None for item in before.return_items()):
            order = await self._orders.update(order_id, lambda current: positional_restore(before, current))
        return order

    async def set_payment_state(self, order_id: str, key: str, state: ReturnPaymentState) -> Order:
        def plan(order: Order) -> Actions | None:
            if _item(order, key).paymentState == state:
                return None
            return [{"action": "setReturnPaymentState", "returnItemKey": key, "paymentState": state}]

        return await self._orders.update(order_id, plan)

    async def set_reason(self, order_id: str, key: str, reason: ReasonCode) -> Order:
        def plan(order: Order) -> Actions | None:
            custom = _item(order, key).custom
            if custom is None or custom.type is None:
                fields = {reason.field: reason.value}
                ref = {"typeId": "type", "key": reason.type_key}
                return [
                    {"action": "setReturnItemCustomType", "returnItemKey": key, "type": ref, "fields": fields}
                ]
            if custom.fields.get(reason.field) == reason.value:
                return None
            return [
                {
                    "action": "setReturnItemCustomField",
                    "returnItemKey": key,
                    "name": reason.field,
                    "value": reason.value,
                }
            ]

        return await self._orders.update(order_id, plan)
