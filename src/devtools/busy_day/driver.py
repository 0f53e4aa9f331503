"""The one busy-day driver, over HTTP: the shop seeded in commercetools, orders checked out, returns
booked in ReBound and moved through its hubs by stepping its simulated clock, webhooks delivered, and
the daemon watched until it has nothing left to do. The demo drives a compressed fortnight with the
design's failure cases and a commercetools outage (`drive`); the chaos run and the benchmarks step
the clock until everything is delivered (`tick_until_delivered`), acting between the steps."""

from __future__ import annotations

import functools
import itertools
import math
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import anyio

from backflow.devtools.busy_day import catalog
from backflow.devtools.busy_day.catalog import MIXED, OrderMix
from backflow.devtools.busy_day.outage import OutageWatch
from backflow.devtools.busy_day.plan import DayLog, DayPlan
from backflow.devtools.shop import REASON_KEYS, REASON_TYPE_KEY
from backflow.devtools.stack.http import ApiError, JsonApi
from backflow.devtools.stack.launcher import Stack

SIM_DAY = 86_400.0
SIM_SPAN = 16 * SIM_DAY
"""Booking over one simulated day, then the longest plan (transit, hub, grading) runs ~14 days."""
CHUNKS = 64
BATCH = 250
CHECKOUT_CALL = 10
"""Orders per call of a steady checkout feed: at 50 orders/s, a call every fifth of a second."""
DELIVER_SECONDS = 120.0
"""A delivery round can be long: each webhook waits for the daemon (or for its timeout when it is down)."""
TO_REFUND = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
    {"event": "refund", "milestone": "HUB_RECEIVED"},
]
"""A return's hub steps up to the refund ReBound triggers when the hub has it."""


def graded(lines: list[dict[str, Any]], disposition: str = "SELLABLE") -> dict[str, Any]:
    """The grading step: every line grade A with `disposition`."""
    return {"event": "items_graded", "grades": {line["id"]: ["A", disposition] for line in lines}}


class Driver:
    def __init__(self, ct: JsonApi, rebound: JsonApi, admin: JsonApi, plan: DayPlan) -> None:
        self.ct, self.rebound, self.admin, self.plan = ct, rebound, admin, plan
        self.rng = random.Random(plan.seed)
        self.log = DayLog()
        self.outage = OutageWatch(ct, admin)

    @classmethod
    def for_stack(cls, http: aiohttp.ClientSession, stack: Stack, plan: DayPlan | None = None) -> Driver:
        admin = JsonApi(http, stack.url, stack.secrets.admin_token)
        return cls(JsonApi(http, stack.ct), JsonApi(http, stack.rb), admin, plan or DayPlan())

    # ---------------------------------------------------------------- commercetools: the shop
    async def seed_shop(self) -> None:
        """The reason-code Type for return items, every SKU's stock in both channels, and the cart
        discounts with their codes; and ReBound's simulator seeded with the plan's seed, so that the
        returns its portal books (and the failure cases among them) follow the plan, not the seed the
        simulator was started with. First thing of a day: seeding ReBound drops what it has scheduled."""
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
        shop = {"types": [reason_type], "inventory": catalog.inventory_drafts(), **catalog.discount_drafts()}
        await self.ct.post("/_sim/seed", shop)
        await self.rebound.post("/_sim/seed", {"seed": self.plan.seed})

    def drafts(self, count: int, prefix: str, *, mix: OrderMix = MIXED) -> list[dict[str, Any]]:
        return [catalog.order_draft(self.rng, f"{prefix}{n:05d}", mix=mix) for n in range(1, count + 1)]

    async def seed_orders(self, drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Carts checked out as a shop does, a batch per call: each cart priced by commercetools, a
        payment made for its total, then the order placed from the cart with that payment (an
        OrderCreated push each). The orders as commercetools now holds them."""
        created: list[dict[str, Any]] = []
        for start in range(0, len(drafts), BATCH):
            carts = [dict(draft) for draft in drafts[start : start + BATCH]]
            priced = await self.ct.post("/_sim/orders/from-cart", {"orders": carts, "dryRun": True})
            payments = await self.ct.post(
                "/_sim/seed", {"payments": [catalog.payment_draft(o) for o in priced["orders"]]}
            )
            for cart, payment in zip(carts, payments["payments"], strict=True):
                cart["paymentInfo"] = {"payments": [{"typeId": "payment", "id": payment["id"]}]}
            created += (await self.ct.post("/_sim/orders/from-cart", {"orders": carts}))["orders"]
            self.log.seeded_orders += len(carts)
        return created

    async def checkout(self, drafts: list[dict[str, Any]], *, rate: float) -> list[dict[str, Any]]:
        """Orders placed as live checkouts arrive: `rate` per second, a few per call, none while
        commercetools is down (checkout is commercetools). A call that runs late is caught up on, so
        the feed keeps its average rate. The orders as commercetools holds them."""
        self.log.checkout_rates.append(rate)
        created: list[dict[str, Any]] = []
        every = CHECKOUT_CALL / rate
        due = time.monotonic()
        for start in range(0, len(drafts), CHECKOUT_CALL):
            while self.outage.down:
                await anyio.sleep(0.1)
                due = time.monotonic()  # the shop reopens: no burst of the checkouts it missed
            await anyio.sleep(max(0.0, due - time.monotonic()))
            created += await self.seed_orders(drafts[start : start + CHECKOUT_CALL])
            due += every
        return created

    # ---------------------------------------------------------------- ReBound: returns
    async def book_before_order_exists(self, drafts: list[dict[str, Any]]) -> None:
        """The order-sync race: ReBound books (and receives) returns for orders commercetools does not
        have yet; Backflow holds them and anchors them when order sync sees the order."""
        for draft in drafts:
            lines = draft["lineItems"]
            reasons = [self.rng.choice(("Too small", "Too large", "Faulty")) for _ in lines]
            items = [catalog.return_item(line, reason) for line, reason in zip(lines, reasons, strict=True)]
            await self.script_return(draft["orderNumber"], items, [*TO_REFUND, graded(lines)])
            self.log.late_order_numbers.append(draft["orderNumber"])

    async def script_return(
        self, number: str, items: list[dict[str, Any]], steps: list[dict[str, Any]], currency: str = "EUR"
    ) -> str:
        """One return over order `number`, booked in ReBound with its hub steps to come; its id."""
        body = {"clientOrderId": number, "currency": currency, "items": items, "steps": steps}
        return str((await self.rebound.post("/_sim/script", body))["returnId"])

    async def configure_returns(self) -> None:
        """The plan's failure cases switched on, then its returns booked over one simulated day."""
        await self.rebound.post("/_sim/faults", self.plan.return_faults())
        await self.book_day(self.plan.returns)

    async def book_day(self, returns: int) -> None:
        await self.rebound.post("/_sim/day", {"returns": returns, "seconds": SIM_DAY})

    async def tick(self, seconds: float) -> None:
        """ReBound's clock `seconds` on, then a round of the webhooks that fell due."""
        await self.rebound.post("/_sim/advance", {"seconds": seconds})
        await self.rebound.call("POST", "/_sim/deliver", within=DELIVER_SECONDS)
        self.log.ticks += 1

    async def tick_until_delivered(
        self,
        seconds: float,
        *,
        within: float = math.inf,
        rounds: int | None = None,
        between_ticks: Callable[[], Awaitable[None]] | None = None,
        stop: threading.Event | None = None,
    ) -> bool:
        """Tick until ReBound has nothing scheduled and no delivery pending: False if `within` seconds
        or `rounds` ticks passed first, or `stop` was set. `between_ticks` acts after every tick."""
        ends = time.monotonic() + within
        for _ in range(rounds) if rounds is not None else itertools.count():
            if time.monotonic() >= ends or (stop is not None and stop.is_set()):
                return False
            state = await self.rebound.get("/_sim/state")
            if not state["scheduled"] and not state["deliveries"]["pending"]:
                return True
            await self.tick(seconds)
            if between_ticks is not None:
                await between_ticks()
        return False

    async def flush_deliveries(self, rounds: int = 40) -> None:
        """Redeliveries ReBound scheduled after failed attempts are due later in simulated time."""
        await self.tick_until_delivered(3600, rounds=rounds)

    async def drive(self, later: list[dict[str, Any]], late: list[dict[str, Any]]) -> None:
        """The fortnight in CHUNKS steps: hubs move returns, webhooks go out; the rest of the orders
        are checked out meanwhile, evenly, the late ones arrive on the way, and commercetools goes
        down for a few seconds."""
        pace = self.plan.drive_seconds / CHUNKS
        outage_at, late_at = CHUNKS // 3, CHUNKS // 6
        # Spread over the fortnight (none while commercetools is down), not crowded into its first days.
        open_seconds = max(self.plan.drive_seconds - self.plan.outage_seconds, 1.0)
        rate = min(self.plan.checkout_rate, len(later) / open_seconds)
        async with anyio.create_task_group() as shop:
            shop.start_soon(functools.partial(self.checkout, later, rate=rate))
            for chunk in range(CHUNKS):
                began = time.monotonic()
                if chunk == late_at:
                    await self.seed_orders(late)
                if chunk == outage_at:
                    self.log.outage = await self.outage.begin(self.plan.outage_seconds)
                await self.outage.step()
                await self.tick(SIM_SPAN / CHUNKS)
                await anyio.sleep(max(0.0, pace - (time.monotonic() - began)))
            await self.outage.end()
        await self.flush_deliveries()

    # ---------------------------------------------------------------- the daemon
    async def wait_in_rebound(self, count: int, *, within: float) -> None:
        """Until ReBound holds `count` orders (order sync has put them there); TimeoutError if not."""

        async def there() -> bool:
            return bool((await self.rebound.get("/_sim/state"))["orders"] >= count)

        if not await self._until(there, within, every=0.2):
            raise TimeoutError(f"timed out after {within:.0f}s waiting for {count} orders synced to ReBound")

    async def busy(self) -> int | None:
        """Inbox rows pending plus outbox work due, scheduled, retrying or leased; None if no answer."""
        try:
            overview = await self.admin.get("/api/overview")
        except (ApiError, aiohttp.ClientError, TimeoutError):
            return None  # restarting, say: not quiet
        queues = overview["queues"]
        return int(
            overview["inbox"]["pending"]
            + sum(q["due"] + q["scheduled"] + q["retrying"] + q["leased"] for q in queues)
        )

    async def settle(
        self, *, deadline: float, quiet_after: float = 0.0, calm_rounds: int = 3, every: float = 0.5
    ) -> bool:
        """Until the daemon has nothing queued `calm_rounds` times in a row (and not before
        `quiet_after`, so held returns had their horizon); False at `deadline`."""
        calm = 0
        while time.monotonic() < deadline:
            busy = await self.busy()
            await self.outage.step()  # the recovery from the demo's outage, if it is still going on
            calm = calm + 1 if busy == 0 and time.monotonic() >= quiet_after else 0
            if calm >= calm_rounds:
                return True
            await anyio.sleep(every)
        return False

    async def wait_quiet(self, within: float) -> None:
        if not await self.settle(deadline=time.monotonic() + within, calm_rounds=1, every=0.2):
            raise TimeoutError(f"timed out after {within:.0f}s waiting for the daemon to finish its work")

    async def _until(self, check: Callable[[], Awaitable[bool]], within: float, every: float = 0.5) -> bool:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if await check():
                return True
            await anyio.sleep(every)
        return False


@asynccontextmanager
async def driving(stack: Stack, plan: DayPlan | None = None) -> AsyncIterator[Driver]:
    """A driver for `stack` with its own HTTP session (for callers that have none)."""
    async with aiohttp.ClientSession() as http:
        yield Driver.for_stack(http, stack, plan)
