"""Surge: the daemon and both simulators as processes, webhooks as fast as the daemon takes them while
orders arrive at a steady rate, at 10k / 100k / 1M returns already in the database.

    .venv/bin/python bench/surge.py [--quick]

The simulators add latency to every API call (commercetools 30 ms, ReBound 50 ms). Compared in the
same run: a bare aiohttp handler answering 200 (the intake ceiling), the ceiling the configured
upstream concurrency allows, and a naive integration that calls commercetools inside the request
with no store, both through a commercetools outage. One JSON object on the last line; the figures,
with the command, go to the "Surge" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backflow.devtools.stack.launcher import bench_stack
from bench import surge_store
from bench.report import replace_section
from bench.surge_measure import (
    Sampler,
    api_calls,
    calls_per_step,
    done_returns,
    inbox_lag_by_lane,
    pct,
    requests_per_return,
    sim_requests,
    simulators_cpu,
)
from bench.surge_outage import bare_intake, outage_comparison
from bench.surge_processes import Daemons, ServerCpu
from bench.surge_summary import summarise
from bench.surge_traffic import (
    CT_CONCURRENCY,
    CT_LATENCY,
    ORDER_RATE,
    RB_LATENCY,
    SENDERS,
    WIDE_IN_FLIGHT,
    blast,
    booked,
    daemon_env,
    order_feed,
    orders_in_rebound,
    start_latent,
)

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"


STEP_RETURNS = 20
"""Fresh returns whose calls are counted step by step once the surge is over."""


def run_size(
    workdir: Path,
    stored: int,
    returns: int,
    rng: Any,
    in_flight: int = CT_CONCURRENCY,
    *,
    db_url: str | None = None,
    replicas: int = 1,
    server_data: Path | None = None,
) -> dict[str, Any]:
    """One stack's surge: SQLite by default, or `replicas` daemons on the empty PostgreSQL database
    `db_url` (`server_data`: that server's data directory, to count its CPU)."""
    stack = bench_stack(workdir, env=daemon_env(in_flight), db_url=db_url, replicas=replicas)
    stack.prepare()
    database = surge_store.of(stack)
    fill_seconds = surge_store.fill(database, workdir, stored)
    try:
        start_latent(stack)
        idle, idle_requests = api_calls(stack), sim_requests(stack)
        syncing = Daemons(stack)
        numbers = asyncio.run(orders_in_rebound(stack, returns, rng.randrange(2**32)))
        # What syncing one order costs (calls and CPU), so the order feed can be taken out of the
        # per-return figures: the calls from the bulk above, the CPU from the feed alone at the rate it
        # runs during the surge (one order at a time costs about twice as much as one of a bulk, where
        # the writes of many share each commit).
        cpu_per_bulk_order = syncing.cpu_seconds() / returns
        synced = api_calls(stack)
        per_order = {name: (synced.get(name, 0) - idle.get(name, 0)) / returns for name in synced}
        synced_requests = sim_requests(stack)
        requests_per_order = {k: (v - idle_requests.get(k, 0)) / returns for k, v in synced_requests.items()}
        cpu_per_order = feed_cpu_per_order(stack, database, f"FEED{stored}", rng)
        bodies, ids = booked(stack, numbers)
        calls_before, requests_before = api_calls(stack), sim_requests(stack)
        sampler = Daemons(stack)
        sims = [Sampler(child.pid) for child in stack.simulators]
        server = ServerCpu(server_data) if server_data else None
        surge_started_at = time.time()

        async def surge() -> tuple[float, dict[int, int], float, int]:
            feed = asyncio.create_task(order_feed(stack, f"SURGE{stored}", 10_000, rng))
            seconds, statuses = await blast(
                f"{stack.url}/webhooks/rebound", bodies, stack.secrets.webhook_secret, 900
            )
            started = time.monotonic() - seconds
            finished = None
            for _ in range(20_000):
                sampler.sample()
                if done_returns(stack, ids) >= len(ids):
                    finished = time.monotonic()
                    break
                if time.monotonic() - started > 1800:
                    break
                await asyncio.sleep(0.5)
            feed.cancel()
            try:
                sent = await feed
            except asyncio.CancelledError:
                sent = -1
            return seconds, statuses, (finished or time.monotonic()) - started, sent

        intake_seconds, statuses, e2e_seconds, _ = asyncio.run(surge())
        usage = sampler.result()
        sims_cpu = simulators_cpu(stack, sims)
        calls_after, requests_after = api_calls(stack), sim_requests(stack)
        done = done_returns(stack, ids)
        lags = surge_store.sync_lags(database, "SURGE")
        server_cpu = server.result() if server else None
        accepted = statuses.get(202, 0) + statuses.get(200, 0)
        per_return_calls = {
            name: round(
                (calls_after.get(name, 0) - calls_before.get(name, 0) - len(lags) * per_order.get(name, 0.0))
                / max(done, 1),
                2,
            )
            for name in calls_after
        }
        returns_cpu = usage["cpu_seconds"] - len(lags) * cpu_per_order
        steps = asyncio.run(
            calls_per_step(stack, STEP_RETURNS, rng.randrange(2**32), stack.secrets.webhook_secret)
        )
        figures: dict[str, Any] = {
            "stored_returns": stored,
            "prefill_seconds": round(fill_seconds, 1),
            "webhooks": len(bodies),
            "returns": len(ids),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "intake_accepted_per_s": round(accepted / intake_seconds, 1),
            "returns_done": done,
            "end_to_end_returns_per_s": round(done / e2e_seconds, 2),
            "end_to_end_seconds": round(e2e_seconds, 1),
            "sync_lag_s": {
                "orders": len(lags),
                "p50": pct(lags, 0.5),
                "p95": pct(lags, 0.95),
                "p99": pct(lags, 0.99),
            },
            # Arrival → processed in the inbox per lane during the surge (orders: the push's share of
            # the sync lag above; returns: ReBound events waiting behind each other).
            "inbox_lag_by_lane_s": inbox_lag_by_lane(database, surge_started_at),
            "calls_per_return": per_return_calls,
            # Counted by the simulator in HTTP requests (calls_per_return counts the daemon's port calls).
            "commercetools_requests_per_return": requests_per_return(
                requests_before, requests_after, requests_per_order, len(lags), done
            ),
            "calls_per_order_sync": {name: round(value, 2) for name, value in per_order.items()},
            "daemon_cpu_ms_per_return": round(1000 * usage["cpu_seconds"] / max(done, 1), 1),
            **usage,
            "in_flight": in_flight,
            "calls_per_lifecycle_step": steps,
            # The surge's CPU less what the orders synced meanwhile cost (measured before the surge).
            "daemon_cpu_ms_per_return_without_order_sync": round(1000 * returns_cpu / max(done, 1), 1),
            "daemon_cpu_ms_per_synced_order": round(1000 * cpu_per_order, 2),
            "daemon_cpu_ms_per_synced_order_in_bulk": round(1000 * cpu_per_bulk_order, 2),
            "simulators_cpu_percent": sims_cpu,
        }
        if server_cpu is not None:  # the PostgreSQL server's share of the cores during the surge
            figures["postgresql_server_cpu"] = server_cpu
        return figures
    finally:
        stack.stop()


FEED_SECONDS = 5.0
"""How long the order feed runs alone before the surge, to measure what one synced order costs."""


def feed_until_synced(
    stack: Any, database: surge_store.Database, prefix: str, rng: Any, seconds: float = FEED_SECONDS
) -> int:
    """Orders checked out alone at ORDER_RATE for `seconds`, counted once all are in ReBound."""
    fed = asyncio.run(order_feed(stack, prefix, seconds, rng))
    for _ in range(600):  # bounded: 60 s for the last orders of the feed to reach ReBound
        if surge_store.synced_orders(database, prefix) >= fed:
            break
        time.sleep(0.1)
    return fed


def feed_cpu_per_order(stack: Any, database: surge_store.Database, prefix: str, rng: Any) -> float:
    """The daemon's CPU seconds per order while orders arrive alone at ORDER_RATE, until all are synced."""
    feeding = Daemons(stack)
    fed = feed_until_synced(stack, database, prefix, rng)
    return feeding.cpu_seconds() / max(fed, 1)


# ------------------------------------------------------------------ the run


def run(quick: bool) -> dict[str, Any]:
    import random

    rng = random.Random(11)
    sizes = [1_000, 10_000] if quick else [10_000, 100_000, 1_000_000]
    returns = 200 if quick else 1000
    outage = 5.0 if quick else 30.0
    figures: dict[str, Any] = {
        "quick": quick,
        "python": platform.python_version(),
        "cpus": len(__import__("os").sched_getaffinity(0)),
        "latency_ms": {"commercetools": CT_LATENCY * 1000, "rebound": RB_LATENCY * 1000},
        "order_rate_per_s": ORDER_RATE,
        "senders": SENDERS,
    }
    with tempfile.TemporaryDirectory(prefix="backflow-surge-") as tmp:
        by_size = []
        for stored in sizes:
            workdir = Path(tmp) / f"size-{stored}"
            workdir.mkdir()
            by_size.append(run_size(workdir, stored, returns, rng))
        figures["by_stored_returns"] = by_size
        wide = Path(tmp) / f"in-flight-{WIDE_IN_FLIGHT}"
        wide.mkdir()
        figures["in_flight_64"] = run_size(wide, sizes[0], returns, rng, in_flight=WIDE_IN_FLIGHT)
        first = by_size[0]
        figures["bare_handler_accepted_per_s"] = bare_intake(first["webhooks"])
        figures["outage"] = outage_comparison(Path(tmp) / "outage", returns // 2, outage, rng)
    figures |= summarise(figures)
    return figures


def write_report(figures: dict[str, Any], command: str) -> None:
    section = (
        "## Surge\n\n"
        f"Command: `{command}`\n\n"
        "The daemon (`backflow run`) and both simulators as separate processes on 127.0.0.1; every "
        "API call "
        f"to the commercetools simulator waits {CT_LATENCY * 1000:.0f} ms, to the ReBound simulator "
        f"{RB_LATENCY * 1000:.0f} ms. For each database size (returns already stored, filled with "
        "raw sqlite3 "
        "before the daemon starts) a fresh stack: orders checked out at "
        f"{ORDER_RATE:.0f}/s for the whole surge while {SENDERS} senders post signed ReBound webhooks (each "
        "return: created, items_registered, refund.triggered, items_graded) as fast as the daemon answers. "
        "Intake = 2xx answers per second (each durable before the answer). End to end = returns that "
        "ReBound was told are refunded and restocked (after commercetools took return info, receipt, refund "
        "and restock) per second from the first webhook. Sync lag: Backflow's own per-order lag of the "
        "orders checked out during the surge; per lane (`inbox_lag_by_lane_s`): arrival to processing in "
        "the inbox of the events received during the surge, commercetools order messages in their lane, "
        "ReBound events in theirs. CPU and RSS of the daemon from /proc. The upstream ceiling is "
        "min over the two APIs of concurrency / (calls per return x latency), with the calls counted in the "
        "run. The outage comparison sends each return's `created` webhook once (a third before, a third "
        "during, a third after a commercetools outage) to Backflow and to a naive integration "
        "(`bench/contenders.py naive`: commercetools called inside the request, nothing stored). "
        f"Calls per lifecycle step: {STEP_RETURNS} fresh returns after the surge, each step's webhooks "
        "sent together, commercetools calls counted per route by the simulator (its poller and sweep left "
        f"out). CPU per synced order: the order feed alone at {ORDER_RATE:.0f}/s for {FEED_SECONDS:.0f} s "
        "before the surge, until its orders are in ReBound (`..._in_bulk`: the orders placed at once "
        "before it); per return without order sync: the surge's CPU less that per order for the orders "
        "synced meanwhile. `in_flight_64`: the first "
        f"size again with {WIDE_IN_FLIGHT} calls in flight to each API.\n\n"
        "```json\n" + json.dumps(figures, indent=2) + "\n```\n"
    )
    replace_section(REPORT, "Surge", section, "Performance")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller database sizes, fewer returns, a 5 s outage"
    )
    args = parser.parse_args()
    figures = run(args.quick)
    write_report(figures, ".venv/bin/python bench/surge.py" + (" --quick" if args.quick else ""))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
