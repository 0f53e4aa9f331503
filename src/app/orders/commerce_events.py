"""commercetools messages (pushed or polled, stored in the inbox): new and edited orders are synced."""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import outbox_message
from backflow.app.core.quarantine import quarantine
from backflow.domain.commands import SyncOrder
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


class _Resource(msgspec.Struct):
    typeId: str  # commercetools field names are camelCase
    id: str


class _Message(msgspec.Struct):
    type: str
    resource: _Resource
    resourceVersion: int | None = None


class _CloudEvent(msgspec.Struct):
    specversion: str
    data: msgspec.Raw


def read_message(body: bytes) -> _Message:
    """The message JSON, or a CloudEvent carrying it in `data` (Platform payloads are the message)."""
    try:
        return msgspec.json.decode(msgspec.json.decode(body, type=_CloudEvent).data, type=_Message)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return msgspec.json.decode(body, type=_Message)


async def handle_commerce_message(stored: StoredInboundEvent, *, store: StoreDeps) -> None:
    with store.tracer.start_as_current_span("commerce_message", attributes={"inbox.kind": stored.event.kind}):
        reason = stored.event.quarantine_reason
        if reason is None:
            try:
                message = read_message(stored.event.body)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                reason = f"undecodable: {exc}"
        if reason is not None:
            await quarantine(stored, reason, store)
            return
        if message.type not in ORDER_MESSAGE_TYPES or message.resource.typeId != "order":
            return
        command = SyncOrder(order_id=message.resource.id, version=message.resourceVersion)
        async with store.unit_of_work() as uow:
            key = keys.sync_key(command.order_id, command.version)
            uow.outbox.add(outbox_message(command, key, lock_key=keys.order_sync_lock(command.order_id)))
            await uow.commit()
