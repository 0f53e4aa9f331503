"""How hubs move a return: the step plan per flow (all randomness drawn up front) and applying one step.

Planning uses the seeded generator only, applying is deterministic: a seeded day repeats exactly,
and a scripted return is the same plan written by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from backflow.devtools.rebound_sim.options import SimOptions
from backflow.devtools.rebound_sim.state import SimItem, SimReturn
from backflow.domain.money import Money
from backflow.domain.return_snapshot import RefundLine, RefundProposal

HOUR = 3600.0
DAY = 24 * HOUR

FLOW_EVENTS: dict[str, tuple[str, ...]] = {
    "STANDARD": (
        "created",
        "in_transit",
        "arrived_at_hub",
        "delivered",
        "items_registered",
        "items_graded",
        "processed",
    ),
    "DTR": ("created", "in_transit", "delivered", "items_registered", "items_graded", "processed"),
    "RLIB": (
        "created",
        "in_transit",
        "arrived_at_hub",
        "delivered",
        "items_registered",
        "items_graded",
        "processed",
    ),
}
# (status, statusDescription) after each step; `refund` leaves the status alone.
STEP_STATUS: dict[str, tuple[str, str]] = {
    "created": ("CREATED", "returnBooked"),
    "in_transit": ("IN_TRANSIT", "dropOff"),
    "arrived_at_hub": ("AT_HUB", "hubReceived"),
    "delivered": ("DELIVERED", "deliveredToRetailer"),
    "items_registered": ("REGISTERED", "itemsRegistered"),
    "items_graded": ("GRADED", "hubProcessed"),
    "processed": ("PROCESSED", "processed"),
    "cancelled": ("CANCELLED", "cancelled"),
    "exception": ("EXCEPTION", "exception"),
}
REFUND_AFTER = {"DROP_OFF": "in_transit", "HUB_RECEIVED": "items_registered", "HUB_PROCESSED": "items_graded"}
_GAPS: dict[str, tuple[float, float]] = {  # simulated seconds before each step
    "created": (0, 0),
    "in_transit": (2 * HOUR, 3 * DAY),
    "arrived_at_hub": (1 * DAY, 3 * DAY),
    "delivered": (1 * DAY, 4 * DAY),
    "items_registered": (1 * HOUR, 1 * DAY),
    "items_graded": (1 * HOUR, 2 * DAY),
    "processed": (600, 6 * HOUR),
    "cancelled": (1 * HOUR, 2 * DAY),
    "exception": (1 * HOUR, 1 * DAY),
    "refund": (1, 60),
}
GRADES = (("A", "SELLABLE"), ("B", "SELLABLE_REPACK"), ("C", "OUTLET"), ("C", "REFURBISH"), ("D", "DAMAGED"))
GRADE_WEIGHTS = (0.55, 0.2, 0.08, 0.05, 0.12)
LOCATIONS = ("GB_HUB_TELFORD", "NL_HUB_VENLO", "DE_HUB_KASSEL")


@dataclass
class Step:
    event: str
    delay: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)


def plan(rng: random.Random, ret: SimReturn, options: SimOptions) -> list[Step]:
    """The whole life of a generated return, delays and outcomes included."""
    events = list(FLOW_EVENTS[ret.flow])
    # Outcomes first, before any draw whose count depends on the return's items: a seed gives its
    # n-th return the same fate (cancelled, an exception, a stale refund) whatever lines it has.
    wrong = rng.random() < options.wrong_refund_rate
    if rng.random() < options.cancel_rate:
        events = ["created", "cancelled"]
    elif rng.random() < options.exception_rate:
        events = [*events[: events.index("delivered") + 1], "exception"]
    milestone = options.refund_milestone
    steps: list[Step] = []
    for event in events:
        low, high = _GAPS[event]
        delay = 0.0 if (ret.flow == "RLIB" and event == "in_transit") else rng.uniform(low, high)
        steps.append(Step(event, delay, _params(rng, event, ret, options)))
        if REFUND_AFTER.get(milestone) == event:
            params = {"milestone": milestone, "outcome": options.refund_outcome, "stale": wrong}
            steps.append(Step("refund", rng.uniform(*_GAPS["refund"]), params))
    return steps


def _params(rng: random.Random, event: str, ret: SimReturn, options: SimOptions) -> dict[str, Any]:
    if event == "in_transit":
        return {"trackingNumber": f"ZZ{rng.randrange(10**9):09d}GB"}
    if event in ("arrived_at_hub", "delivered"):
        return {"location": rng.choice(LOCATIONS) if event == "arrived_at_hub" else "RETAILER_DC"}
    if event == "items_registered":
        received: dict[str, int] = {}
        for item in ret.items:
            quantity = item.quantity_expected
            if rng.random() < options.missing_item_rate:
                quantity = 0
            elif quantity > 1 and rng.random() < options.partial_receipt_rate:
                quantity = rng.randrange(1, quantity)
            received[item.rebound_item_id] = quantity
        unexpected = []
        if rng.random() < options.unexpected_item_rate:
            unexpected.append({"sku": f"FOREIGN-{rng.randrange(1000):03d}", "quantity": 1})
        return {"received": received, "unexpected": unexpected}
    if event == "items_graded":
        grades = {}
        for item in ret.items:
            condition, disposition = rng.choices(GRADES, GRADE_WEIGHTS)[0]
            grades[item.rebound_item_id] = [condition, disposition]
        return {"grades": grades}
    if event == "exception":
        return {"reason": rng.choice(("label unreadable", "parcel empty", "customs hold"))}
    return {}


def apply(ret: SimReturn, step: Step, *, next_item_id: str) -> None:
    """Move the return by one step; `next_item_id` names an unexpected item should one turn up."""
    params = step.params
    if step.event == "refund":
        ret.refund = _refund(ret, params)
        return
    status, description = STEP_STATUS[step.event]
    ret.status, ret.status_description = status, description
    if step.event == "in_transit":
        ret.tracking_number = params.get("trackingNumber", ret.tracking_number)
    elif step.event in ("arrived_at_hub", "delivered"):
        ret.location = params.get("location", ret.location)
    elif step.event == "items_registered":
        _register(ret, params, next_item_id)
    elif step.event == "items_graded":
        _grade(ret, params)
    elif step.event == "exception":
        ret.exception_reason = params.get("reason", "could not be processed")


def _item_key(item: SimItem) -> tuple[str, ...]:
    return tuple(key for key in (item.rebound_item_id, item.client_item_id) if key is not None)


def _lookup(mapping: dict[str, Any], item: SimItem) -> Any:
    return next((mapping[key] for key in _item_key(item) if key in mapping), None)


def _register(ret: SimReturn, params: dict[str, Any], next_item_id: str) -> None:
    received = params.get("received", {})
    for item in ret.items:
        quantity = _lookup(received, item)
        item.quantity_received = item.quantity_expected if quantity is None else int(quantity)
    for extra in params.get("unexpected", []):
        ret.items.append(
            SimItem(
                next_item_id,
                str(extra["sku"]),
                0,
                None,
                None,
                ret.currency,
                quantity_received=int(extra["quantity"]),
            )
        )


def _grade(ret: SimReturn, params: dict[str, Any]) -> None:
    grades = params.get("grades", {})
    for item in ret.items:
        if item.client_item_id is None:
            item.disposition = "UNEXPECTED_ITEM"
        elif item.quantity_received == 0:
            item.disposition = "MISSING"
        else:
            condition, disposition = _lookup(grades, item) or ("A", "SELLABLE")
            item.condition, item.disposition = condition, disposition


def _refund(ret: SimReturn, params: dict[str, Any]) -> RefundProposal:
    milestone = params.get("milestone", "HUB_RECEIVED")
    overrides = params.get("amounts", {})
    lines: list[RefundLine] = []
    total = Money.zero(ret.currency)
    for index, item in enumerate(ret.items):
        if item.client_item_id is None or item.unit_price is None:
            continue
        quantity = item.quantity_expected if milestone == "DROP_OFF" else (item.quantity_received or 0)
        if quantity == 0:
            continue
        unit = Money.parse(item.unit_price, ret.currency)
        if params.get("stale") and index == 0:
            unit = Money(unit.amount * 11, unit.currency, unit.digits + 1).to_currency_precision()
        amount = unit.times(quantity)
        override = _lookup(overrides, item)
        if override is not None:
            amount = Money.parse(str(override), ret.currency)
        total = total + amount
        lines.append(RefundLine(item.client_item_id, quantity, amount.to_decimal_string()))
    return RefundProposal(
        milestone=milestone,
        outcome=params.get("outcome", "ORIGINAL_PAYMENT"),
        currency=ret.currency,
        totalAmount=total.to_decimal_string(),
        lines=lines,
        shippingRefund=Money.zero(ret.currency).to_decimal_string(),
    )
