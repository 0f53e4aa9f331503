"""Outbox payloads: the domain's tagged commands plus two of the application's own; kind = the tag.

Payloads are stored as JSON and must evolve compatibly (new fields with defaults).
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from backflow.app.core.tracing import inject_context
from backflow.domain.commands import AnchorReturn, Command, IssueRefund, RestockItems, SyncOrder
from backflow.ports.outbox import OutboxMessage, OutboxRow


class MarkItemsReturned(Command, frozen=True, kw_only=True):
    """Move the received items' commercetools shipment state from Advised to Returned."""

    return_id: str
    sequence: int


class AckLine(msgspec.Struct, frozen=True, kw_only=True):
    client_item_id: str
    quantity: int
    amount: str | None = None
    """Decimal string in the acknowledgement's currency."""


class AcknowledgeReturn(Command, frozen=True, kw_only=True):
    """Tell ReBound what Backflow did (REFUNDED, RESTOCKED, ...)."""

    return_id: str
    ack_type: str
    lines: tuple[AckLine, ...] = ()
    amount: str | None = None
    currency: str | None = None
    reference: str | None = None


class RejectRefund(Command, frozen=True, kw_only=True):
    """Finance rejected the refund of trigger `sequence`: items NotRefunded, ReBound told."""

    return_id: str
    sequence: int


class SendAlert(Command, frozen=True, kw_only=True):
    """Post one alert about an exception to the configured webhook."""

    exception_id: int
    reason: str


P = TypeVar("P", bound=Command)


def kind_of(payload_type: type[Command]) -> str:
    tag = payload_type.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


SYNC_ORDER = kind_of(SyncOrder)
ANCHOR_RETURN = kind_of(AnchorReturn)
ISSUE_REFUND = kind_of(IssueRefund)
RESTOCK_ITEMS = kind_of(RestockItems)
MARK_ITEMS_RETURNED = kind_of(MarkItemsReturned)
ACKNOWLEDGE_RETURN = kind_of(AcknowledgeReturn)
REJECT_REFUND = kind_of(RejectRefund)
SEND_ALERT = kind_of(SendAlert)


def outbox_message(payload: Command, idempotency_key: str, *, lock_key: str | None = None) -> OutboxMessage:
    """The row for `payload`, carrying the current trace context so its processing joins the trace.

    `lock_key` (`keys.order_lock`, ...) serialises it in the store with every other row of that key.
    """
    return OutboxMessage(
        kind=kind_of(type(payload)),
        payload=msgspec.json.encode(payload),
        idempotency_key=idempotency_key,
        trace_ctx=inject_context(),
        lock_key=lock_key,
    )


def decode_payload(row: OutboxRow, payload_type: type[P]) -> P:
    return msgspec.json.decode(row.payload, type=payload_type)


def payload_json(payload: Command) -> object:
    """The payload as a plain JSON object (for an exception's `evidence.retry`)."""
    return msgspec.json.decode(msgspec.json.encode(payload))
