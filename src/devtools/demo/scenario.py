"""The busy day, driven over HTTP: the shop seeded in commercetools, returns booked and moved by
ReBound's hubs (with the design's failure cases switched on), and a commercetools outage mid-day."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import anyio

from devtools.demo import catalog
from devtools.demo.api import JsonApi
from devtools.demo.layout import REASON_KEYS, REASON_TYPE_KEY

SIM_DAY = 86_400.0
SIM_SPAN = 16 * SIM_DAY
"""Booking over one simulated day, then the longest plan (transit, hub, grading) runs ~14 days."""
CHUNKS = 64
BATCH = 250
OUTAGE_ALL_503 = [{"method": "*", "path": ".*", "error_rate": 1.0, "error_status": 503}]


@dataclass(frozen=True)
class DayPlan:
    orders: int = 2000
    returns: int = 600
    seed: int = 7
    drive_seconds: float = 45.0
    """Real seconds over which the simulated fortnight of hub events is delivered."""
    outage_seconds: float = 5.0
    unknown_order_rate: float = 0.03
    over_return_rate: float = 0.01
    wrong_refund_rate: float = 0.05
    odd_reason_rate: float = 0.12
    duplicate_rate: float = 0.1
    out_of_order_rate: float = 0.3

    @property
    def late_orders(self) -> int:
        return max(3, self.orders // 100)


@dataclass
class Outage:
    planned_seconds: float
    started: float = 0.0
    ended: float = 0.0
    ct_errors_before: int = 0
    ct_errors_after: int = 0
    peak_retrying: int = 0
    recovered_after: float | None = None
    """Seconds from the end of the outage until no outbox row was waiting to retry."""


@dataclass
class DayLog:
    late_order_numbers: list[str] = field(default_factory=list)
    seeded_orders: int = 0
    outage: Outage | None = None


class Driver:
    def __init__(self, ct: JsonApi, rebound: JsonApi, admin: JsonApi, plan: DayPlan) -> None:
        self.ct, self.rebound, self.admin, self.plan = ct, rebound, admin, plan
        self.rng = random.Random(plan.seed)
        self.log = DayLog()

    async def seed_shop(self) -> None:
        """The reason-code Type for return items and every SKU's stock in both channels."""
        field_def = {
            "name": "reasonCode",
            "label": {"en": "Return reason"},
            "required": False,
            "inputHint": "SingleLine",
            "type": {"name": "Enum", "values": [{"key": k, "label": k} for k in REASON_KEYS]},
        }
        reason_type = {
            "key": REASON_TYPE_KEY,
            "name": {"en": "Return item"},
            "resourceTypeIds": ["order-return-item"],
            "fieldDefinitions": [field_def],
        }
        await self.ct.post("/_sim/seed", {"types": [reason_type], "inventory": catalog.inventory_drafts()})

    async def seed_orders(self, drafts: list[dict[str, Any]]) -> None:
        """Payments first (their ids go on the orders), then the orders: each one an OrderCreated push."""
        for start in range(0, len(drafts), BATCH):
            batch = drafts[start : start + BATCH]
            payments = await self.ct.post(
                "/_sim/seed", {"payments": [catalog.payment_draft(d) for d in batch]}
            )
            for draft, payment in zip(batch, payments["payments"], strict=True):
                draft["paymentInfo"] = {"payments": [{"typeId": "payment", "id": payment["id"]}]}
            await self.ct.post("/_sim/seed", {"orders": batch})
            self.log.seeded_orders += len(batch)

    def drafts(self, count: int, prefix: str, *, late: bool = False) -> list[dict[str, Any]]:
        return [catalog.order_draft(self.rng, f"{prefix}{n:05d}", late=late) for n in range(1, count + 1)]

    async def book_before_order_exists(self, drafts: list[dict[str, Any]]) -> None:
        """The order-sync race: ReBound books (and receives) returns for orders commercetools does not
        have yet; Backflow holds them and anchors them when order sync sees the order."""
        for draft in drafts:
            items = [
                {
                    "clientItemId": line["id"],
                    "sku": line["variant"]["sku"],
                    "quantity": line["quantity"],
                    "unitPrice": catalog.unit_price_text(line),
                    "reasonCode": self.rng.choice(("Too small", "Too large", "Faulty")),
                }
                for line in draft["lineItems"]
            ]
            grades = {line["id"]: ["A", "SELLABLE"] for line in draft["lineItems"]}
            steps = [
                {"event": "created"},
                {"event": "in_transit"},
                {"event": "delivered"},
                {"event": "items_registered"},
                {"event": "refund", "milestone": "HUB_RECEIVED"},
                {"event": "items_graded", "grades": grades},
            ]
            await self.rebound.post(
                "/_sim/script",
                {"clientOrderId": draft["orderNumber"], "currency": "EUR", "items": items, "steps": steps},
            )
            self.log.late_order_numbers.append(draft["orderNumber"])

    async def synced(self) -> int:
        overview = await self.admin.get("/api/overview")
        return int(overview["order_sync"]["synced"])

    async def wait_synced(self, count: int, *, within: float) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if await self.synced() >= count:
                return True
            await anyio.sleep(0.5)
        return False

    async def configure_returns(self) -> None:
        p = self.plan
        await self.rebound.post(
            "/_sim/faults",
            {
                "unknown_order_rate": p.unknown_order_rate,
                "over_return_rate": p.over_return_rate,
                "wrong_refund_rate": p.wrong_refund_rate,
                "odd_reason_rate": p.odd_reason_rate,
                "duplicate_rate": p.duplicate_rate,
                "out_of_order_rate": p.out_of_order_rate,
            },
        )
        await self.rebound.post("/_sim/day", {"returns": p.returns, "seconds": SIM_DAY})

    async def drive(self, later: list[dict[str, Any]], late: list[dict[str, Any]]) -> None:
        """The fortnight in CHUNKS steps: hubs move returns, webhooks go out; the rest of the orders
        and the late ones arrive on the way, and commercetools goes down for a few seconds."""
        pace = self.plan.drive_seconds / CHUNKS
        batches = [later[i : i + BATCH] for i in range(0, len(later), BATCH)]
        outage_at, late_at = CHUNKS // 3, CHUNKS // 6
        for chunk in range(CHUNKS):
            began = time.monotonic()
            if chunk < len(batches):
                await self.seed_orders(batches[chunk])
            if chunk == late_at:
                await self.seed_orders(late)
            if chunk == outage_at:
                await self._outage_begins()
            if self.log.outage and not self.log.outage.ended:
                await self._outage_tick()
            elif self.log.outage and self.log.outage.recovered_after is None:
                await self._recovery_tick()
            await self.rebound.post("/_sim/advance", {"seconds": SIM_SPAN / CHUNKS})
            await self.rebound.post("/_sim/deliver")
            await anyio.sleep(max(0.0, pace - (time.monotonic() - began)))
        if self.log.outage and not self.log.outage.ended:
            await self._outage_ends()
        await self.flush_deliveries()

    async def flush_deliveries(self, rounds: int = 40) -> None:
        """Redeliveries ReBound scheduled after failed attempts are due later in simulated time."""
        for _ in range(rounds):
            state = await self.rebound.get("/_sim/state")
            if not state["scheduled"] and not state["deliveries"]["pending"]:
                return
            await self.rebound.post("/_sim/advance", {"seconds": 3600})
            await self.rebound.post("/_sim/deliver")

    async def _ct_errors(self) -> tuple[int, int]:
        overview = await self.admin.get("/api/overview")
        ct = next((a for a in overview["apis"] if a["name"] == "commercetools"), {"errors": 0})
        retrying = sum(q["retrying"] for q in overview["queues"])
        return int(ct["errors"]), retrying

    async def _outage_begins(self) -> None:
        errors, _ = await self._ct_errors()
        self.log.outage = Outage(self.plan.outage_seconds, started=time.monotonic(), ct_errors_before=errors)
        await self.ct.put("/_sim/faults", OUTAGE_ALL_503)

    async def _outage_tick(self) -> None:
        outage = self.log.outage
        assert outage is not None
        _, retrying = await self._ct_errors()
        outage.peak_retrying = max(outage.peak_retrying, retrying)
        if time.monotonic() - outage.started >= outage.planned_seconds:
            await self._outage_ends()

    async def _recovery_tick(self) -> None:
        outage = self.log.outage
        assert outage is not None
        _, retrying = await self._ct_errors()
        if retrying == 0:
            outage.recovered_after = time.monotonic() - outage.ended

    async def _outage_ends(self) -> None:
        outage = self.log.outage
        assert outage is not None
        await self.ct.put("/_sim/faults", [])
        outage.ended = time.monotonic()
        outage.ct_errors_after, _ = await self._ct_errors()

    async def settle(self, *, deadline: float, quiet_after: float) -> bool:
        """Until the daemon has nothing queued twice in a row (and held returns had their horizon)."""
        calm = 0
        while time.monotonic() < deadline:
            overview = await self.admin.get("/api/overview")
            busy = overview["inbox"]["pending"] + sum(
                q["due"] + q["scheduled"] + q["retrying"] + q["leased"] for q in overview["queues"]
            )
            if self.log.outage and self.log.outage.recovered_after is None:
                await self._recovery_tick()
            calm = calm + 1 if busy == 0 and time.monotonic() >= quiet_after else 0
            if calm >= 3:
                return True
            await anyio.sleep(0.5)
        return False
