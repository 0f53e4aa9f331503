"""What the surge benchmark reads back: CPU and memory of the daemon and of each simulator, the
returns ReBound was told are done, the API calls the daemon counted, and the commercetools calls each
step of a return's lifecycle costs (counted by the simulator per route, `GET /_sim/stats`)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from backflow.app.runtime.inbox_lanes import ORDER_SOURCES, ORDERS, RETURNS
from backflow.devtools.busy_day.catalog import PLAIN
from backflow.devtools.busy_day.driver import driving
from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack
from backflow.devtools.stack.procstats import peak_rss_mb, read_proc
from bench import surge_store
from bench.surge_traffic import CT_LATENCY, RB_LATENCY, blast, event_bodies, script_returns

# Calls the daemon makes whatever the returns do: the Messages API poller, the order sweep, tokens.
BACKGROUND = ("call GET /messages", "call GET /orders", "call POST /oauth/token")


class Sampler:
    """CPU and RSS of one process from /proc, sampled while a phase runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu0, _ = read_proc(pid)
        self.t0 = time.monotonic()
        self.rss: list[float] = []

    def sample(self) -> None:
        self.rss.append(read_proc(self.pid)[1])

    def cpu_seconds(self) -> float:
        return read_proc(self.pid)[0] - self.cpu0

    def result(self) -> dict[str, float]:
        cpu = self.cpu_seconds()
        wall = time.monotonic() - self.t0
        return {
            "cpu_seconds": round(cpu, 2),
            "cpu_percent": round(100 * cpu / wall, 1),
            "rss_mb_max_sampled": round(max(self.rss or [0.0]), 1),
            "peak_rss_mb": round(peak_rss_mb(self.pid), 1),
        }


def simulators_cpu(stack: Stack, samplers: list[Sampler]) -> dict[str, float]:
    """Each simulator's share of a core over the phase: near 100 % means it, not Backflow, is the limit."""
    wall = time.monotonic() - samplers[0].t0
    return {
        child.name: round(100 * sampler.cpu_seconds() / wall, 1)
        for child, sampler in zip(stack.simulators, samplers, strict=True)
    }


def upstream_ceiling(calls: dict[str, float], ct_in_flight: int, rb_in_flight: int) -> float | None:
    """Each API's pool holds this many calls at once; a return needs `calls` of each."""
    ct_calls, rb_calls = calls.get("commercetools", 0.0), calls.get("rebound", 0.0)
    ceilings = []
    if ct_calls:
        ceilings.append(ct_in_flight / (ct_calls * CT_LATENCY))
    if rb_calls:
        ceilings.append(rb_in_flight / (rb_calls * RB_LATENCY))
    return round(min(ceilings), 2) if ceilings else None


def acknowledged(stack: Stack) -> dict[str, set[str]]:
    _, acks = request("GET", f"{stack.rb}/_sim/acknowledgements", timeout=60)
    return {rid: {a["type"] for a in by_key.values()} for rid, by_key in (acks or {}).items()}


def done_returns(stack: Stack, ids: set[str]) -> int:
    """Returns both refunded and restocked: ReBound was told both, after commercetools took them."""
    return sum(
        1 for rid, types in acknowledged(stack).items() if rid in ids and {"REFUNDED", "RESTOCKED"} <= types
    )


def api_calls(stack: Stack) -> dict[str, int]:
    """The port calls each replica counted (in its memory), summed over the replicas."""
    bearer = {"Authorization": f"Bearer {stack.secrets.admin_token}"}
    calls: dict[str, int] = {}
    for index in range(stack.replicas):
        _, overview = request("GET", f"{stack.replica_url(index)}/api/overview", headers=bearer)
        for api in overview["apis"]:
            calls[api["name"]] = calls.get(api["name"], 0) + api["calls"]
    return calls


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def inbox_lag_by_lane(db: surge_store.Database, since: float) -> dict[str, dict[str, float | int | None]]:
    """Seconds from an inbound event's arrival to its processing, per inbox lane, for the events that
    arrived since `since` (epoch seconds): the order lane's share of the sync lag beside the returns'."""
    lags: dict[str, list[float]] = {ORDERS: [], RETURNS: []}
    for source, lag in surge_store.inbox_lags(db, since):
        lags[ORDERS if source in ORDER_SOURCES else RETURNS].append(lag)
    return {
        lane: {"events": len(v), "p50": pct(v, 0.5), "p95": pct(v, 0.95), "p99": pct(v, 0.99)}
        for lane, v in lags.items()
    }


def sim_calls(stack: Stack) -> dict[str, int]:
    """The commercetools simulator's calls per route, without the background ones."""
    _, stats = request("GET", f"{stack.ct}/_sim/stats", timeout=60)
    return {k: v for k, v in (stats or {}).items() if k.startswith("call ") and k not in BACKGROUND}


def sim_requests(stack: Stack) -> dict[str, int]:
    """Requests (`call …`) and 409 answers (`conflict …`) per route, background left out."""
    _, stats = request("GET", f"{stack.ct}/_sim/stats", timeout=60)
    return {
        k: v
        for k, v in (stats or {}).items()
        if k.startswith(("call ", "conflict ")) and k.replace("conflict ", "call ", 1) not in BACKGROUND
    }


def requests_per_return(
    before: dict[str, int], after: dict[str, int], per_order: dict[str, float], orders: int, done: int
) -> dict[str, Any]:
    """The whole surge's commercetools requests per return by route (the orders synced meanwhile taken
    out), and how many of them were refused with 409: what the lifecycle count on idle returns misses."""
    per = {
        k: round((after.get(k, 0) - before.get(k, 0) - orders * per_order.get(k, 0.0)) / max(done, 1), 3)
        for k in after
    }
    calls = {k.removeprefix("call "): v for k, v in per.items() if k.startswith("call ") and v}
    conflicts = {k.removeprefix("conflict "): v for k, v in per.items() if k.startswith("conflict ") and v}
    return {"total": round(sum(calls.values()), 2), "by_route": calls, "conflicts_by_route": conflicts}


async def _settled(stack: Stack, within: float = 120.0) -> dict[str, int]:
    """The simulator's counts once they have not moved for 2 s (the step's work is over)."""
    last, still, started = sim_calls(stack), 0, time.monotonic()
    while still < 4 and time.monotonic() - started < within:
        await asyncio.sleep(0.5)
        now = sim_calls(stack)
        still = still + 1 if now == last else 0
        last = now
    return last


async def calls_per_step(stack: Stack, count: int, seed: int, secret: str) -> dict[str, Any]:
    """`count` fresh returns (their orders synced first), each step's webhooks sent for all of them at
    once, then the commercetools calls it caused per return, by route. Run on an otherwise idle stack."""
    known = {json.loads(b)["data"]["order"]["returnId"] for b in event_bodies(stack)}
    async with driving(stack, DayPlan(seed=seed)) as driver:
        drafts = driver.drafts(count, "STEP-", mix=PLAIN)
        await driver.seed_orders(drafts)
    for _ in range(1200):  # until order sync has put every one in ReBound (its own ledger says so)
        if surge_store.synced_orders(surge_store.of(stack), "STEP-") >= count:
            break
        await asyncio.sleep(0.5)
    script_returns(stack, [draft["orderNumber"] for draft in drafts])
    by_return: dict[str, list[bytes]] = {}
    for body in event_bodies(stack):
        rid = json.loads(body)["data"]["order"]["returnId"]
        if rid not in known:
            by_return.setdefault(rid, []).append(body)
    steps: dict[str, Any] = {}
    before = await _settled(stack)
    for index in range(min(len(bodies) for bodies in by_return.values())):
        batch = [bodies[index] for bodies in by_return.values()]
        name = json.loads(batch[0])["type"]
        await blast(f"{stack.url}/webhooks/rebound", batch, secret, 120)
        after = await _settled(stack)
        routes = {
            k.removeprefix("call "): round((after.get(k, 0) - before.get(k, 0)) / len(batch), 2)
            for k in after
            if after.get(k, 0) != before.get(k, 0)
        }
        steps[name] = {"calls": round(sum(routes.values()), 2), "by_route": routes}
        before = after
    total = round(sum(step["calls"] for step in steps.values()), 2)
    return {"returns": len(by_return), "steps": steps, "total_per_return": total}
