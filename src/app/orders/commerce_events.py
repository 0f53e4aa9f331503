"""commercetools messages (pushed or polled, stored in the inbox): new and edited orders are synced."""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.completion import processed_in
from backflow.app.core.declarations import EventProcessed
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import outbox_message
from backflow.app.core.quarantine import quarantine
from backflow.domain.commands import SyncOrder
from backflow.domain.order import ORDER_DECODER, Order
from backflow.ports.inbox import StoredInboundEvent

# The message types that sync an order: the ones polled for, and the only ones handled from the inbox.
ORDER_MESSAGE_TYPES = (
    "OrderCreated",
    "OrderImported",
    "OrderCreatedFromRecurringOrder",
    # order edits applied to an order change what ReBound must know about it
    "OrderEditApplied",
    "OrderLineItemAdded",
    "OrderLineItemRemoved",
    "OrderCustomLineItemAdded",
    "OrderCustomLineItemRemoved",
    "OrderCustomLineItemQuantityChanged",
)
# The messages that carry the whole order at the message's version (commercetools' own snapshot).
CARRY_THE_ORDER = frozenset({"OrderCreated", "OrderImported"})


class _Resource(msgspec.Struct):
    typeId: str  # commercetools field names are camelCase
    id: str


class _Message(msgspec.Struct):
    type: str
    resource: _Resource
    resourceVersion: int | None = None
    order: msgspec.Raw = msgspec.Raw()
    """Empty when absent (msgspec decodes no `Raw | None`); decoded only where `CARRY_THE_ORDER`."""


class _CloudEvent(msgspec.Struct):
    specversion: str
    data: msgspec.Raw


def read_message(body: bytes) -> _Message:
    """The message JSON, or a CloudEvent carrying it in `data` (Platform payloads are the message)."""
    try:
        return msgspec.json.decode(msgspec.json.decode(body, type=_CloudEvent).data, type=_Message)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return msgspec.json.decode(body, type=_Message)


async def handle_commerce_message(stored: StoredInboundEvent, *, store: StoreDeps) -> EventProcessed | None:
    with store.tracer.start_as_current_span("commerce_message", attributes={"inbox.kind": stored.event.kind}):
        reason = stored.event.quarantine_reason
        if reason is None:
            try:
                message = read_message(stored.event.body)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                reason = f"undecodable: {exc}"
        if reason is not None:
            await quarantine(stored, reason, store)
            return None
        if message.type not in ORDER_MESSAGE_TYPES or message.resource.typeId != "order":
            return None
        carried = _carried_order(message)
        command = SyncOrder(order_id=message.resource.id, version=message.resourceVersion, order=carried)
        async with store.unit_of_work() as uow:
            key = keys.sync_key(command.order_id, command.version)
            uow.outbox.add(outbox_message(command, key, lock_key=keys.order_sync_lock(command.order_id)))
            processed = processed_in(uow, stored)
            await uow.commit()
        return processed


def _carried_order(message: _Message) -> Order | None:
    """The order the message carries at its own version, or None (the sync then reads it)."""
    if message.type not in CARRY_THE_ORDER or not message.order:
        return None
    try:
        order = ORDER_DECODER.decode(message.order)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    same = order.id == message.resource.id and order.version == message.resourceVersion
    return order if same else None
