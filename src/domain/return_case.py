"""The return case and the tables that move it: Backflow's position, the signals it observes,
the allowed ReBound status moves and the position moves (`domain.returns` applies them).
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from backflow.domain.statuses import STATUS_RANK, ReboundStatus

S = ReboundStatus


class Position(StrEnum):
    AWAITING_ORDER = "AWAITING_ORDER"
    ANCHORED = "ANCHORED"
    REFUND_PENDING = "REFUND_PENDING"
    # The refund is held for finance: a mismatch waits for their decision, and a case they rejected
    # stays here (nothing more is paid; later triggers wait). Stored as "REFUND_REJECTED" before 0006.
    HELD_FOR_FINANCE = "HELD_FOR_FINANCE"
    REFUNDED = "REFUNDED"
    CLOSED = "CLOSED"


class Signal(StrEnum):
    """What Backflow itself observes or decides about a case."""

    ORDER_FOUND = "ORDER_FOUND"
    REFUND_TRIGGERED = "REFUND_TRIGGERED"  # from ReBound's refund.triggered
    REFUND_SUCCEEDED = "REFUND_SUCCEEDED"
    REFUND_REFUSED = "REFUND_REFUSED"
    RESOLVED = "RESOLVED"


# Allowed ReBound status moves: forward only, skips allowed, terminal statuses go nowhere.
# None is "nothing heard yet": delivery is unordered, so the first event may carry any status.
_AFTER_DELIVERED = frozenset({S.REGISTERED, S.GRADED, S.PROCESSED, S.CANCELLED, S.EXCEPTION})
STATUS_TRANSITIONS: dict[ReboundStatus | None, frozenset[ReboundStatus]] = {
    None: frozenset(S),
    S.CREATED: frozenset({S.IN_TRANSIT, S.AT_HUB, S.DELIVERED}) | _AFTER_DELIVERED,
    S.IN_TRANSIT: frozenset({S.AT_HUB, S.DELIVERED}) | _AFTER_DELIVERED,
    S.AT_HUB: frozenset({S.DELIVERED}) | _AFTER_DELIVERED,
    S.DELIVERED: _AFTER_DELIVERED,
    S.REGISTERED: frozenset({S.GRADED, S.PROCESSED, S.EXCEPTION}),  # received: no cancelling now
    S.GRADED: frozenset({S.PROCESSED, S.EXCEPTION}),
    S.PROCESSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXCEPTION: frozenset(),
}

P = Position
POSITION_TRANSITIONS: dict[tuple[Position, Signal], Position] = {
    (P.AWAITING_ORDER, Signal.ORDER_FOUND): P.ANCHORED,
    # A refund triggered before the order is found waits on the case (`refund_requested`).
    (P.AWAITING_ORDER, Signal.REFUND_TRIGGERED): P.AWAITING_ORDER,
    (P.ANCHORED, Signal.REFUND_TRIGGERED): P.REFUND_PENDING,
    (P.REFUND_PENDING, Signal.REFUND_TRIGGERED): P.REFUND_PENDING,
    (P.REFUND_PENDING, Signal.REFUND_SUCCEEDED): P.REFUNDED,
    (P.REFUND_PENDING, Signal.REFUND_REFUSED): P.HELD_FOR_FINANCE,
    (P.HELD_FOR_FINANCE, Signal.REFUND_TRIGGERED): P.HELD_FOR_FINANCE,  # finance decides first
    (P.HELD_FOR_FINANCE, Signal.REFUND_SUCCEEDED): P.REFUNDED,  # paid after finance's decision
    (P.REFUNDED, Signal.REFUND_TRIGGERED): P.REFUNDED,  # a later milestone for more items
    (P.REFUNDED, Signal.REFUND_SUCCEEDED): P.REFUNDED,
    **{(position, Signal.RESOLVED): P.CLOSED for position in Position if position is not P.CLOSED},
}
POSITION_RANK = {position: rank for rank, position in enumerate(Position)}


class CaseItem(msgspec.Struct, frozen=True, kw_only=True):
    rebound_item_id: str
    line_id: str
    sku: str | None = None
    quantity_expected: int = 0
    quantity_received: int = 0
    disposition: str | None = None  # raw ReBound text
    refunded_quantity: int = 0


class ReturnCase(msgspec.Struct, frozen=True, kw_only=True):
    return_id: str
    client_order_id: str
    position: Position = Position.AWAITING_ORDER
    rebound_status: ReboundStatus | None = None
    last_sequence: int = 0
    order_id: str | None = None
    refund_requested: bool = False
    items: tuple[CaseItem, ...] = ()

    @property
    def is_closed(self) -> bool:
        return self.position is Position.CLOSED


def open_case(return_id: str, client_order_id: str) -> ReturnCase:
    return ReturnCase(return_id=return_id, client_order_id=client_order_id)


def status_rank(status: ReboundStatus | None) -> int:
    """Progress of a status; None (nothing heard yet) comes before every status."""
    return -1 if status is None else STATUS_RANK[status]
