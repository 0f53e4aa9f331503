"""The inbox's lanes and keys: which events may run at once, and which must wait for each other.

commercetools order messages have a lane of their own, so a surge of ReBound events never holds up
the sync that brings a new order to the returns portal. Within a lane, events of one key (an order,
a return) run one at a time in arrival order; events of different keys run at once, up to the
lane's budget. The key is read from the stored body with the fewest fields that name it; a body
that names none shares its source's key, so such events keep their arrival order.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import anyio
import msgspec

from backflow.ports.inbox import InboundEvent, StoredInboundEvent

ORDERS = "orders"
RETURNS = "returns"
ORDER_SOURCES = frozenset({"commercetools"})


class _Resource(msgspec.Struct):
    id: str


class _CommerceMessage(msgspec.Struct):
    resource: _Resource | None = None


class _CommerceBody(msgspec.Struct):
    """A commercetools message, or a CloudEvent carrying it in `data`."""

    resource: _Resource | None = None
    data: _CommerceMessage | None = None


class _ReturnOrder(msgspec.Struct):
    """A webhook's or snapshot's return (`returnId`), or a tracking update's (`reboundOrderId`,
    the same id in ReBound's published format): events of one return share a key whatever the channel."""

    returnId: str | None = None  # ReBound's field names are camelCase
    reboundOrderId: str | None = None


class _ReturnSnapshot(msgspec.Struct):
    order: _ReturnOrder | None = None


class _ReboundBody(msgspec.Struct):
    """A webhook envelope (the return in `data`) or a catch-up snapshot (the return itself)."""

    order: _ReturnOrder | None = None
    data: _ReturnSnapshot | None = None


_COMMERCE = msgspec.json.Decoder(_CommerceBody)
_REBOUND = msgspec.json.Decoder(_ReboundBody)


def lane_of(event: InboundEvent) -> str:
    return ORDERS if event.source in ORDER_SOURCES else RETURNS


def key_of(event: InboundEvent) -> str:
    """The order id of a commercetools message, the return id of a ReBound event (webhook, catch-up
    snapshot or tracking update), else the source."""
    found: str | None = None
    if event.quarantine_reason is None:
        try:
            if event.source in ORDER_SOURCES:
                commerce = _COMMERCE.decode(event.body)
                resource = commerce.resource or (commerce.data.resource if commerce.data else None)
                found = resource.id if resource else None
            else:
                rebound = _REBOUND.decode(event.body)
                order = rebound.order or (rebound.data.order if rebound.data else None)
                found = (order.returnId or order.reboundOrderId) if order else None
        except (msgspec.DecodeError, msgspec.ValidationError):
            found = None
    return f"{event.source}:{found}" if found is None else f"{lane_of(event)}:{found}"


@dataclass
class Lane:
    """One lane's budget: `limit` events run at once, `buffer` may wait in its key queues."""

    name: str
    limit: int
    buffer: int
    running: anyio.CapacityLimiter = field(init=False)
    outstanding: int = 0
    """Events handed to this lane's key queues and not yet run (or being run)."""
    cursor: int = 0
    """Every event of this lane up to this seq has been handed out (or is held for a retry)."""
    starved: bool = False
    """A scan stopped because the buffer was full: wake the dispatcher once room frees."""

    def __post_init__(self) -> None:
        self.running = anyio.CapacityLimiter(self.limit)

    @property
    def has_room(self) -> bool:
        return self.outstanding < self.buffer


@dataclass
class KeyQueue:
    """The events of one key waiting their turn, oldest first."""

    lane: Lane
    events: deque[StoredInboundEvent] = field(default_factory=deque)
