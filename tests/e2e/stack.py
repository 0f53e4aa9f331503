"""The whole system as processes, started by devtools' stack launcher (the demo's preset): both
simulators and `backflow run` on 127.0.0.1, a SQLite file and TOML file in a temporary var/.

Checks read the simulators' state (commercetools payments and inventory, ReBound's sales orders),
not Backflow's database; Backflow's own view comes from its admin API."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import anyio

from backflow.devtools.busy_day.catalog import LATE, STOCK_PER_ENTRY, order_draft, return_item
from backflow.devtools.busy_day.check import rebound_token
from backflow.devtools.busy_day.driver import Driver
from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.shop import SUPPLY_CHANNEL
from backflow.devtools.stack import launcher
from backflow.devtools.stack.config import DEMO_TUNING, demo_config
from backflow.devtools.stack.http import JsonApi
from backflow.devtools.stack.layout import Endpoints, Layout
from backflow.devtools.stack.processes import BACKFLOW

ORPHAN_HORIZON = 3
FAST = {
    "BACKFLOW_POLL_SECONDS": "0.2",
    "BACKFLOW_SHUTDOWN_GRACE_SECONDS": "10",
    "BACKFLOW_INSTANCE_LEASE_SECONDS": "3",
}


@dataclass
class Stack:
    """A launched stack as an async test sees it: JSON APIs and scenario helpers over its processes."""

    launched: launcher.Stack
    http: aiohttp.ClientSession

    @property
    def layout(self) -> Layout:
        return self.launched.layout

    @property
    def ends(self) -> Endpoints:
        return self.launched.ends

    @property
    def env(self) -> dict[str, str]:
        return self.launched.env

    @property
    def ct(self) -> JsonApi:
        return JsonApi(self.http, self.ends.commercetools)

    @property
    def rebound(self) -> JsonApi:
        return JsonApi(self.http, self.ends.rebound)

    @property
    def admin(self) -> JsonApi:
        return JsonApi(self.http, self.ends.daemon, self.launched.secrets.admin_token)

    def driver(self, seed: int = 3) -> Driver:
        return Driver.for_stack(self.http, self.launched, DayPlan(seed=seed))

    # ---------------------------------------------------------------- processes
    async def restart_daemon(self, *args: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.launched.start_daemon(*args))

    def stop_daemon(self, sig: signal.Signals, within: float = 20.0) -> int | None:
        """Signal the daemon and wait for it to exit; its exit status (None if it outlived `within`)."""
        return self.launched.stop_daemon(sig, within)

    def backflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A one-shot command (`reasons reapply`, `replay`) with the daemon's environment."""
        return subprocess.run(
            [*BACKFLOW, *args],
            env=self.launched.child_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def write_reasons(self, reasons: dict[str, str]) -> None:
        self.launched.write_config(demo_config(orphan_horizon_seconds=ORPHAN_HORIZON, reasons=reasons))

    # ---------------------------------------------------------------- scenario helpers
    async def order(self, number: str, *, paid: bool = True, seed: int = 1) -> dict[str, Any]:
        """A plain EUR order (fixed line ids) placed in commercetools from a cart, as it stands there now."""
        draft = order_draft(random.Random(f"{seed}:{number}"), number, mix=LATE)
        if paid:
            [order] = await self.driver().seed_orders([draft])
        else:
            [order] = (await self.ct.post("/_sim/orders/from-cart", {"orders": [draft]}))["orders"]
        return dict(order)

    async def script(
        self, order: dict[str, Any] | str, steps: list[dict[str, Any]], **item_overrides: Any
    ) -> str:
        """A return over every line of `order` (or over an order number commercetools lacks)."""
        if isinstance(order, str):
            number = order
            items = [{"clientItemId": "no-such-line", "sku": "GHOST", "quantity": 1, "unitPrice": "10.00"}]
        else:
            number = order["orderNumber"]
            items = [return_item(line, "Too small") | item_overrides for line in order["lineItems"]]
        return_id = await self.driver().script_return(number, items, steps)
        await self.rebound.post("/_sim/deliver")
        return return_id

    async def ct_state(self) -> dict[str, Any]:
        state: dict[str, Any] = await self.ct.get("/_sim/state")
        return state

    async def refund_transactions(self) -> Counter[str]:
        """Backflow's Refund transactions in commercetools, counted per interactionId."""
        found: Counter[str] = Counter()
        for payment in (await self.ct_state())["resources"].get("payment", []):
            for transaction in payment["transactions"]:
                if transaction["type"] == "Refund":
                    found[transaction.get("interactionId", "")] += 1
        return found

    async def stock_added(self) -> tuple[int, Counter[str]]:
        """Units above the seeded level on the supply channel, and every restock marker's sightings."""
        units, markers = 0, Counter[str]()
        for entry in (await self.ct_state())["resources"].get("inventory-entry", []):
            if (entry.get("supplyChannel") or {}).get("id") == SUPPLY_CHANNEL:
                units += entry["quantityOnStock"] - STOCK_PER_ENTRY
            for marker in ((entry.get("custom") or {}).get("fields") or {}).get("backflowRestockIds", []):
                markers[marker] += 1
        return units, markers

    async def ct_order(self, order_id: str) -> dict[str, Any]:
        for order in (await self.ct_state())["resources"].get("order", []):
            if order["id"] == order_id:
                return dict(order)
        raise AssertionError(f"no order {order_id} in the commercetools simulator")

    async def rebound_sales_order(self, number: str) -> dict[str, Any] | None:
        """ReBound's own copy of an order, through its API (what its portal shows customers)."""
        token = await anyio.to_thread.run_sync(rebound_token, self.launched)
        headers = {"Authorization": f"Bearer {token}"}
        async with self.http.get(
            f"{self.ends.rebound}/v2/sales-orders/{number}", headers=headers
        ) as response:
            return None if response.status == 404 else dict(await response.json())

    async def exceptions(self, kind: str) -> list[dict[str, Any]]:
        found = await self.admin.get(f"/api/exceptions?type={kind}&state=any&limit=1000")
        return list(found["items"])

    async def case(self, return_id: str) -> dict[str, Any]:
        detail: dict[str, Any] = await self.admin.call("GET", f"/api/returns/{return_id}", expect=(200, 404))
        return detail

    async def idle(self) -> bool:
        return await self.driver().busy() == 0


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 20.0, every: float = 0.2) -> Any:
    """Polls `check` until it returns something truthy; fails after `within` seconds."""
    with anyio.fail_after(within):
        while True:
            result = await check()
            if result:
                return result
            await anyio.sleep(every)


@asynccontextmanager
async def running_stack(
    tmp_path: Path, *daemon_args: str, env: Callable[[Endpoints], dict[str, str]] | None = None
) -> AsyncIterator[Stack]:
    """`env` adds to the daemon's environment; it is given the ports, known before anything starts."""
    config = demo_config(orphan_horizon_seconds=ORPHAN_HORIZON, catchup_seconds=2.0)
    ends = Endpoints.allocate()
    tuning = DEMO_TUNING | FAST | (env(ends) if env else {})
    launched = launcher.Stack(Layout(tmp_path / "var"), config, tuning=tuning, ends=ends)
    async with aiohttp.ClientSession() as http:
        stack = Stack(launched, http)
        await anyio.to_thread.run_sync(lambda: launched.start(*daemon_args))
        try:
            await stack.driver().seed_shop()
            yield stack
        finally:
            launched.stop(grace=10)
            if sys.exc_info()[0] is not None:
                print(launched.layout.log("daemon").read_text()[-4000:])
