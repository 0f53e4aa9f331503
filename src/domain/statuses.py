"""ReBound's vocabulary (statuses, event types, flows, dispositions) and what follows from it.

Every parse function returns an `Unknown` carrying the raw text instead of raising: an unknown value
from ReBound is parked for review, never a crash (rebound contract, "Evolution").
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from backflow.domain.order import ReturnPaymentState, ReturnShipmentState


class Unknown(msgspec.Struct, frozen=True):
    """A value ReBound sent that this version does not know; `kind` says which vocabulary."""

    kind: str
    raw: str


class ReboundStatus(StrEnum):
    CREATED = "CREATED"
    IN_TRANSIT = "IN_TRANSIT"
    AT_HUB = "AT_HUB"
    DELIVERED = "DELIVERED"
    REGISTERED = "REGISTERED"
    GRADED = "GRADED"
    PROCESSED = "PROCESSED"
    CANCELLED = "CANCELLED"
    EXCEPTION = "EXCEPTION"


class ReboundEventType(StrEnum):
    CREATED = "return_order.created"
    IN_TRANSIT = "return_order.in_transit"
    ARRIVED_AT_HUB = "return_order.arrived_at_hub"
    DELIVERED = "return_order.delivered"
    ITEMS_REGISTERED = "return_order.items_registered"
    ITEMS_GRADED = "return_order.items_graded"
    PROCESSED = "return_order.processed"
    CANCELLED = "return_order.cancelled"
    EXCEPTION = "return_order.exception"
    REFUND_TRIGGERED = "refund.triggered"


class Flow(StrEnum):
    STANDARD = "STANDARD"
    DTR = "DTR"  # direct to retailer: no AT_HUB
    RLIB = "RLIB"  # label in the box: starts at IN_TRANSIT


class Disposition(StrEnum):
    SELLABLE = "SELLABLE"
    SELLABLE_REPACK = "SELLABLE_REPACK"
    REFURBISH = "REFURBISH"
    OUTLET = "OUTLET"
    DAMAGED = "DAMAGED"
    WORN_SOILED = "WORN_SOILED"
    RECYCLE = "RECYCLE"
    DONATE = "DONATE"
    RETURN_TO_CUSTOMER = "RETURN_TO_CUSTOMER"
    MISSING = "MISSING"
    UNEXPECTED_ITEM = "UNEXPECTED_ITEM"


def parse_status(raw: str) -> ReboundStatus | Unknown:
    return ReboundStatus(raw) if raw in ReboundStatus.__members__ else Unknown("status", raw)


def parse_event_type(raw: str) -> ReboundEventType | Unknown:
    known = {member.value for member in ReboundEventType}
    return ReboundEventType(raw) if raw in known else Unknown("event_type", raw)


def parse_flow(raw: str) -> Flow | Unknown:
    return Flow(raw) if raw in Flow.__members__ else Unknown("flow", raw)


def parse_disposition(raw: str) -> Disposition | Unknown:
    return Disposition(raw) if raw in Disposition.__members__ else Unknown("disposition", raw)


# Progress order of the statuses; the terminal ones share the last rank.
STATUS_RANK: dict[ReboundStatus, int] = {
    ReboundStatus.CREATED: 0,
    ReboundStatus.IN_TRANSIT: 1,
    ReboundStatus.AT_HUB: 2,
    ReboundStatus.DELIVERED: 3,
    ReboundStatus.REGISTERED: 4,
    ReboundStatus.GRADED: 5,
    ReboundStatus.PROCESSED: 6,
    ReboundStatus.CANCELLED: 7,
    ReboundStatus.EXCEPTION: 7,
}
TERMINAL_STATUSES = frozenset({ReboundStatus.PROCESSED, ReboundStatus.CANCELLED, ReboundStatus.EXCEPTION})


def is_received(status: ReboundStatus | None) -> bool:
    """REGISTERED or later on the normal path: the warehouse has counted what arrived."""
    return status in (ReboundStatus.REGISTERED, ReboundStatus.GRADED, ReboundStatus.PROCESSED)


def is_graded(status: ReboundStatus | None) -> bool:
    return status in (ReboundStatus.GRADED, ReboundStatus.PROCESSED)


# ---------------------------------------------------------------- restock decision
class RestockTarget(StrEnum):
    SELLABLE_CHANNEL = "SELLABLE_CHANNEL"
    OUTLET_CHANNEL = "OUTLET_CHANNEL"
    NONE = "NONE"
    EXCEPTION = "EXCEPTION"  # no stock movement, and an exception for review


class RestockPolicy(msgspec.Struct, frozen=True, kw_only=True):
    outlet_channel_configured: bool = False
    restock_repacked: bool = True  # SELLABLE_REPACK goes back after rework (configurable)


def restock_target(disposition: Disposition | Unknown, policy: RestockPolicy) -> RestockTarget:
    """Where a graded unit goes, per the rebound contract's disposition table."""
    match disposition:
        case Unknown():
            return RestockTarget.EXCEPTION
        case Disposition.SELLABLE:
            return RestockTarget.SELLABLE_CHANNEL
        case Disposition.SELLABLE_REPACK:
            return RestockTarget.SELLABLE_CHANNEL if policy.restock_repacked else RestockTarget.NONE
        case Disposition.REFURBISH | Disposition.OUTLET:
            return RestockTarget.OUTLET_CHANNEL if policy.outlet_channel_configured else RestockTarget.NONE
        case Disposition.MISSING | Disposition.UNEXPECTED_ITEM:
            return RestockTarget.EXCEPTION
        case _:
            return RestockTarget.NONE


# ---------------------------------------------------------------- commercetools item states
def shipment_state(
    status: ReboundStatus | None, quantity_received: int, target: RestockTarget | None
) -> ReturnShipmentState:
    """`Advised` until received, `Returned` once counted, then `BackInStock` | `Unusable` once graded."""
    if not is_received(status) or quantity_received <= 0:
        return "Advised"
    if not is_graded(status) or target is None:
        return "Returned"
    if target in (RestockTarget.SELLABLE_CHANNEL, RestockTarget.OUTLET_CHANNEL):
        return "BackInStock"
    return "Unusable"


_SHIPMENT_RANK: dict[ReturnShipmentState, int] = {
    "Advised": 0,
    "Returned": 1,
    "BackInStock": 2,
    "Unusable": 2,
}


def shipment_move_needed(current: ReturnShipmentState, target: ReturnShipmentState) -> bool:
    """Whether moving an item from `current` to `target` is forward; graded states are final.

    Flows run concurrently (marking an item Returned, restocking it), so a late "Returned" must not
    undo a "BackInStock" that is already there.
    """
    return _SHIPMENT_RANK[current] < _SHIPMENT_RANK[target]


def payment_state(shipment: ReturnShipmentState, refunded: bool, refused: bool) -> ReturnPaymentState:
    """`NonRefundable` while only advised, `Initial` once received, then `Refunded` | `NotRefunded`.

    A refund paid at an early milestone (before receipt) still shows `Refunded`.
    """
    if refunded:
        return "Refunded"
    if refused:
        return "NotRefunded"
    return "NonRefundable" if shipment == "Advised" else "Initial"
