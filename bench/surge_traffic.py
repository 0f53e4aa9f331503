"""What the surge benchmark sends: the shop and its orders (through the devtools driver), one scripted
return per order, every webhook ReBound would send for them, signed and posted as fast as the daemon
answers, and a steady feed of new orders alongside."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
from typing import Any

import aiohttp

from backflow.adapters.rebound import signature
from backflow.devtools.busy_day import catalog
from backflow.devtools.busy_day.catalog import PLAIN
from backflow.devtools.busy_day.check import rebound_token
from backflow.devtools.busy_day.driver import driving, graded
from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack

CT_LATENCY, RB_LATENCY = 0.030, 0.050
ORDER_RATE = 50.0
SENDERS = 32
CT_CONCURRENCY = RB_CONCURRENCY = 16  # CTP_/REBOUND_MAX_CONCURRENCY given to the daemon (the defaults)
WIDE_IN_FLIGHT = 64
"""The second run's upstream concurrency: what the same daemon does with four times the calls in flight."""


def daemon_env(in_flight: int = CT_CONCURRENCY) -> dict[str, str]:
    return {
        "CTP_MAX_CONCURRENCY": str(in_flight),
        "REBOUND_MAX_CONCURRENCY": str(in_flight),
        "BACKFLOW_LOG_LEVEL": "WARNING",
        "BACKFLOW_POLL_SECONDS": "0.5",
    }


DAEMON_ENV = daemon_env()


def start_latent(stack: Stack) -> None:
    """Both simulators answering with the surge's API latencies, the daemon, and the shop's catalogue."""
    stack.start_simulators()
    stack.rb_faults(latency=RB_LATENCY)
    stack.ct_faults([{"path": "^/(?!oauth)", "latency": CT_LATENCY}])
    stack.start_daemon()
    asyncio.run(seed_shop(stack))


def booked(stack: Stack, numbers: list[str]) -> tuple[list[bytes], set[str]]:
    """One return booked in ReBound per order (`script_returns`): their webhooks' bodies and return ids."""
    script_returns(stack, numbers)
    bodies = event_bodies(stack)
    return bodies, {json.loads(body)["data"]["order"]["returnId"] for body in bodies}


async def seed_shop(stack: Stack) -> None:
    async with driving(stack) as driver:
        await driver.seed_shop()


async def orders_in_rebound(stack: Stack, count: int, seed: int) -> list[str]:
    """`count` plain orders checked out, once order sync has put them all in ReBound; their numbers."""
    async with driving(stack, DayPlan(seed=seed)) as driver:
        drafts = driver.drafts(count, "CT-", mix=PLAIN)
        await driver.seed_orders(drafts)
        await driver.wait_in_rebound(count, within=600)
    return [draft["orderNumber"] for draft in drafts]


def script_returns(stack: Stack, numbers: list[str]) -> None:
    """One return per order through every step, booked in ReBound (its webhooks are sent by us)."""
    _, ct_state = request("GET", f"{stack.ct}/_sim/state", timeout=120)
    orders = {o["orderNumber"]: o for o in ct_state["resources"]["order"]}
    for number in numbers:
        line = orders[number]["lineItems"][0]
        item = catalog.return_item(line, "Too large", quantity=1)
        steps = [
            {"event": "created"},
            {"event": "items_registered", "received": {line["id"]: 1}},
            {"event": "refund", "milestone": "HUB_RECEIVED"},
            graded([line]),
        ]
        status, answer = request(
            "POST", f"{stack.rb}/_sim/script", {"clientOrderId": number, "items": [item], "steps": steps}
        )
        assert status == 201, answer


def event_bodies(stack: Stack) -> list[bytes]:
    token = rebound_token(stack)
    bodies: list[bytes] = []
    cursor = None
    for _ in range(100_000):
        query = {"since": "2000-01-01T00:00:00+00:00", "limit": "200"} | (
            {"cursor": cursor} if cursor else {}
        )
        url = f"{stack.rb}/v2/events?{urllib.parse.urlencode(query)}"
        status, page = request("GET", url, headers={"Authorization": f"Bearer {token}"})
        assert status == 200, page
        bodies += [json.dumps(event).encode() for event in page["results"]]
        cursor = page["nextCursor"]
        if not cursor:
            return bodies
    raise RuntimeError("too many event pages")


async def blast(url: str, bodies: list[bytes], secret: str, within: float) -> tuple[float, dict[int, int]]:
    """POST every body once, SENDERS at a time, signed; (seconds taken, count per status)."""
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def sender(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            event = json.loads(body)
            headers = {
                "Content-Type": "application/json",
                "ReBound-Event-Id": event["id"],
                "ReBound-Event-Type": event["type"],
                signature.SIGNATURE_HEADER: signature.sign((secret,), int(time.time()), body),
            }
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
            except (aiohttp.ClientError, TimeoutError):
                statuses[0] = statuses.get(0, 0) + 1

    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=SENDERS)
    ) as session:
        await asyncio.wait_for(asyncio.gather(*(sender(session) for _ in range(SENDERS))), within)
    return time.perf_counter() - started, statuses


async def order_feed(stack: Stack, prefix: str, seconds: float, rng: Any) -> int:
    """Orders checked out at ORDER_RATE per second (one from-cart call each), for `seconds`."""
    sent = 0
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - started < seconds:
            due = int((time.monotonic() - started) * ORDER_RATE)
            while sent < due:
                draft = catalog.order_draft(rng, f"{prefix}-{sent:06d}", mix=PLAIN)
                body = {"orders": [draft]}
                async with session.post(f"{stack.ct}/_sim/orders/from-cart", json=body) as response:
                    assert response.status == 201, await response.text()
                sent += 1
            await asyncio.sleep(0.01)
    return sent
