"""Domain events: what happened, in the past tense. Frozen, tagged msgspec Structs (tag field "type").

They travel through the outbox as JSON, so new fields must come with defaults (schema evolution).
"""

from __future__ import annotations

import msgspec

from backflow.domain.money import Money


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True, tag=True, tag_field="type"):
    return_id: str


class ItemQuantity(msgspec.Struct, frozen=True, kw_only=True):
    rebound_item_id: str
    line_id: str
    sku: str | None
    quantity: int
    disposition: str | None = None  # raw ReBound text; parse with statuses.parse_disposition


class ReturnAnchored(DomainEvent, frozen=True, kw_only=True):
    order_id: str


class ReturnStatusChanged(DomainEvent, frozen=True, kw_only=True):
    previous: str | None
    status: str
    sequence: int


class ReturnReceived(DomainEvent, frozen=True, kw_only=True):
    items: tuple[ItemQuantity, ...]


class RestockDue(DomainEvent, frozen=True, kw_only=True):
    items: tuple[ItemQuantity, ...]


class RefundRequested(DomainEvent, frozen=True, kw_only=True):
    sequence: int


class RefundIssued(DomainEvent, frozen=True, kw_only=True):
    amount: Money
    reference: str


class RefundRejected(DomainEvent, frozen=True, kw_only=True):
    reason: str


class ReturnClosed(DomainEvent, frozen=True, kw_only=True):
    note: str = ""


class StaleEventIgnored(DomainEvent, frozen=True, kw_only=True):
    sequence: int
    last_sequence: int


class BackwardEventIgnored(DomainEvent, frozen=True, kw_only=True):
    sequence: int
    status: str
    current: str | None


class TransitionRefused(DomainEvent, frozen=True, kw_only=True):
    """A Backflow signal that the case's position does not allow (recorded, nothing changes)."""

    position: str
    signal: str


class UnknownValueReceived(DomainEvent, frozen=True, kw_only=True):
    kind: str
    raw: str
    sequence: int


Event = (
    ReturnAnchored
    | ReturnStatusChanged
    | ReturnReceived
    | RestockDue
    | RefundRequested
    | RefundIssued
    | RefundRejected
    | ReturnClosed
    | StaleEventIgnored
    | BackwardEventIgnored
    | TransitionRefused
    | UnknownValueReceived
)

EVENT_DECODER: msgspec.json.Decoder[Event] = msgspec.json.Decoder(Event)
