"""The whole system as processes, built with the demo's own launcher (`devtools.demo.run.start`): both
simulators and `backflow run` on 127.0.0.1, a SQLite file and TOML file in a temporary var/.

Checks read the simulators' state (commercetools payments and inventory, ReBound's sales orders),
not Backflow's database; Backflow's own view comes from its admin API."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import anyio

from devtools.demo import processes
from devtools.demo.api import JsonApi
from devtools.demo.catalog import STOCK_PER_ENTRY, order_draft, payment_draft
from devtools.demo.layout import REASONS, SUPPLY_CHANNEL, Endpoints, Layout, config_toml
from devtools.demo.run import prepare, start, start_daemon
from devtools.demo.scenario import DayPlan, Driver

ORPHAN_HORIZON = 3
FAST = {"BACKFLOW_POLL_SECONDS": "0.2", "BACKFLOW_SHUTDOWN_GRACE_SECONDS": "10"}


@dataclass
class Stack:
    layout: Layout
    ends: Endpoints
    env: dict[str, str]
    http: aiohttp.ClientSession
    children: list[processes.Child] = field(default_factory=list)

    @property
    def ct(self) -> JsonApi:
        return JsonApi(self.http, self.ends.commercetools)

    @property
    def rebound(self) -> JsonApi:
        return JsonApi(self.http, self.ends.rebound)

    @property
    def admin(self) -> JsonApi:
        return JsonApi(self.http, self.ends.daemon, self.ends.admin_token)

    @property
    def daemon(self) -> processes.Child:
        return self.children[-1]

    def driver(self, seed: int = 3) -> Driver:
        return Driver(self.ct, self.rebound, self.admin, DayPlan(seed=seed))

    # ---------------------------------------------------------------- processes
    async def restart_daemon(self, *args: str) -> None:
        self.children[-1] = await start_daemon(self.http, self.layout, self.ends, self.env, ("run", *args))

    def stop_daemon(self, sig: signal.Signals, within: float = 20.0) -> int | None:
        """Signal the daemon and wait for it to exit; its exit status (None if it outlived `within`)."""
        pid = self.daemon.pid
        os.kill(pid, sig)
        for _ in range(int(within / 0.05)):
            if not processes.alive(pid):  # our child: alive() reaps it and keeps its status
                return processes.EXITED.get(pid)
            time.sleep(0.05)
        return None

    def backflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A one-shot command (`reasons reapply`, `replay`) with the daemon's environment."""
        return subprocess.run(
            [*processes.BACKFLOW, *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def write_reasons(self, reasons: dict[str, str]) -> None:
        self.layout.config.write_text(config_toml(orphan_horizon_seconds=ORPHAN_HORIZON, reasons=reasons))

    # ---------------------------------------------------------------- scenario helpers
    async def order(self, number: str, *, paid: bool = True, seed: int = 1) -> dict[str, Any]:
        """A plain EUR order (fixed line ids) seeded in commercetools, as it stands there now."""
        draft = order_draft(random.Random(f"{seed}:{number}"), number, late=True)
        if paid:
            payment = (await self.ct.post("/_sim/seed", {"payments": [payment_draft(draft)]}))["payments"][0]
            draft["paymentInfo"] = {"payments": [{"typeId": "payment", "id": payment["id"]}]}
        order: dict[str, Any] = (await self.ct.post("/_sim/seed", {"orders": [draft]}))["orders"][0]
        return order

    async def script(
        self, order: dict[str, Any] | str, steps: list[dict[str, Any]], **item_overrides: Any
    ) -> str:
        """A return over every line of `order` (or over an order number commercetools lacks)."""
        if isinstance(order, str):
            number = order
            items = [{"clientItemId": "no-such-line", "sku": "GHOST", "quantity": 1, "unitPrice": "10.00"}]
        else:
            number = order["orderNumber"]
            items = [
                {
                    "clientItemId": line["id"],
                    "sku": line["variant"]["sku"],
                    "quantity": line["quantity"],
                    "unitPrice": f"{line['totalPrice']['centAmount'] // line['quantity'] / 100:.2f}",
                    "reasonCode": "Too small",
                    **item_overrides,
                }
                for line in order["lineItems"]
            ]
        created = await self.rebound.post(
            "/_sim/script", {"clientOrderId": number, "currency": "EUR", "items": items, "steps": steps}
        )
        await self.rebound.post("/_sim/deliver")
        return str(created["returnId"])

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
        form = {
            "grant_type": "client_credentials",
            "client_id": "backflow",
            "client_secret": "sim-client-secret",
        }
        async with self.http.post(f"{self.ends.rebound}/oauth/token", data=form) as response:
            token = (await response.json())["access_token"]
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
        overview = await self.admin.get("/api/overview")
        busy = overview["inbox"]["pending"] + sum(
            q["due"] + q["scheduled"] + q["retrying"] + q["leased"] for q in overview["queues"]
        )
        return bool(busy == 0)


async def eventually(check: Callable[[], Awaitable[Any]], *, within: float = 20.0, every: float = 0.2) -> Any:
    """Polls `check` until it returns something truthy; fails after `within` seconds."""
    with anyio.fail_after(within):
        while True:
            result = await check()
            if result:
                return result
            await anyio.sleep(every)


@asynccontextmanager
async def running_stack(tmp_path: Path, *daemon_args: str) -> AsyncIterator[Stack]:
    layout = Layout(tmp_path / "var")
    ends = Endpoints.allocate()
    env = prepare(layout, ends, orphan_horizon=ORPHAN_HORIZON) | FAST
    layout.config.write_text(
        config_toml(orphan_horizon_seconds=ORPHAN_HORIZON, reasons=REASONS, catchup_seconds=2.0)
    )
    async with aiohttp.ClientSession() as http:
        stack = Stack(layout, ends, env, http)
        stack.children = await start(http, layout, ends, env, ("run", *daemon_args))
        try:
            await stack.driver().seed_shop()
            yield stack
        finally:
            processes.stop(stack.children, grace=10)
            if sys.exc_info()[0] is not None:
                print(layout.log("daemon").read_text()[-4000:])
