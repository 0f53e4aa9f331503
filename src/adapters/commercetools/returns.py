"""Return info on orders: add items idempotently by key, move their states, set the reason code.

Advised → Returned: commercetools' July 2026 documentation allows `setReturnShipmentState` only from
`Returned` to `BackInStock`/`Unusable`. We try the direct action first; when it is refused with
`InvalidOperation` we reach the same state with one version-checked `setReturnInfo` that rewrites the
whole array (see `rewrite.py`), so no item is lost or duplicated, and remember the refusal.

Several items of one order move in ONE request (commercetools applies a request's actions in order,
all or none), and a caller that holds the order it just read or wrote passes it as `current`, so its
version is used instead of reading the order again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def _shipment(key: str, state: ReturnShipmentState) -> dict[str, Any]:
    return {"action": "setReturnShipmentState", "returnItemKey": key, "shipmentState": state}


def _item(order: Order, key: str) -> ReturnItem:
    item = order.return_item_by_key(key)
    if item is None:
        raise NotFoundError(f"order {order.id} has no return item with key {key!r}", status=404)
    return item


class Returns:
    def __init__(self, orders: Orders) -> None:
        self._orders = orders
        # After one `InvalidOperation` for Advised → Returned, every receipt goes straight to the rewrite:
        # one request per move instead of a refused one first.
        self.direct_receipt_allowed = True

    async def add_return_info(
        self,
        order_id: str,
        items: Sequence[ReturnItemRequest],
        return_tracking_id: str | None,
        current: Order | None = None,
        reread: bool = True,
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

        return await self._orders.update(order_id, plan, current=current, reread=reread)

    async def set_shipment_states(
        self, order_id: str, states: Mapping[str, ReturnShipmentState], current: Order | None = None
    ) -> Order:
        planned_on: list[Order] = []  # the copies a rewrite was planned on: the last one was written

        def direct(order: Order) -> Actions | None:
            actions: Actions = []
            for key, state in states.items():
                now = _item(order, key).shipmentState
                if not shipment_move_needed(now, state):
                    continue  # there already, or further on: never move an item backwards
                if now == "Advised" and state != "Returned":
                    actions.append(_shipment(key, "Returned"))  # graded implies received: Returned first
                actions.append(_shipment(key, state))
            return actions or None

        def rewrite(order: Order) -> Actions | None:
            planned_on.append(order)
            return rewrite_actions(order, states)

        seen: list[Order] = []  # every copy planned on: the last is the one the refused request had

        def plan(order: Order) -> Actions | None:
            seen.append(order)
            receipt = any(
                _item(order, key).shipmentState == "Advised" and state != "Advised"
                for key, state in states.items()
            )
            return direct(order) if self.direct_receipt_allowed or not receipt else rewrite(order)

        try:
            order = await self._orders.update(order_id, plan, current=current)
        except InvalidRequestError as error:
            if "InvalidOperation" not in error.codes:
                raise
            self.direct_receipt_allowed = False
            # A refused request changed nothing: the copy it was planned on is still good for the rewrite.
            order = await self._orders.update(order_id, rewrite, current=seen[-1] if seen else current)
        before = planned_on[-1] if planned_on else None
        if before is not None and any(item.key is None for item in before.return_items()):
            order = await self._orders.update(
                order_id, lambda now: positional_restore(before, now), current=order
            )
        return order

    async def set_payment_states(
        self, order_id: str, states: Mapping[str, ReturnPaymentState], current: Order | None = None
    ) -> Order:
        def plan(order: Order) -> Actions | None:
            actions = [
                {"action": "setReturnPaymentState", "returnItemKey": key, "paymentState": state}
                for key, state in states.items()
                if _item(order, key).paymentState != state
            ]
            return actions or None

        return await self._orders.update(order_id, plan, current=current)

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
