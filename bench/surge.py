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
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack, bench_stack
from backflow.devtools.stack.procstats import peak_rss_mb, read_proc
from bench import prefill
from bench.report import replace_section
from bench.surge_outage import bare_intake, outage_comparison
from bench.surge_traffic import (
    CT_CONCURRENCY,
    CT_LATENCY,
    DAEMON_ENV,
    ORDER_RATE,
    RB_CONCURRENCY,
    RB_LATENCY,
    SENDERS,
    blast,
    event_bodies,
    order_feed,
    orders_in_rebound,
    script_returns,
    seed_shop,
)

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"


# ------------------------------------------------------------------ measuring the daemon


class Sampler:
    """CPU and RSS of one process from /proc, sampled while a phase runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu0, _ = read_proc(pid)
        self.t0 = time.monotonic()
        self.rss: list[float] = []

    def sample(self) -> None:
        self.rss.append(read_proc(self.pid)[1])

    def result(self) -> dict[str, float]:
        cpu, _ = read_proc(self.pid)
        wall = time.monotonic() - self.t0
        return {
            "cpu_seconds": round(cpu - self.cpu0, 2),
            "cpu_percent": round(100 * (cpu - self.cpu0) / wall, 1),
            "rss_mb_max_sampled": round(max(self.rss or [0.0]), 1),
            "peak_rss_mb": round(peak_rss_mb(self.pid), 1),
        }


def acknowledged(stack: Stack) -> dict[str, set[str]]:
    _, acks = request("GET", f"{stack.rb}/_sim/acknowledgements", timeout=60)
    return {rid: {a["type"] for a in by_key.values()} for rid, by_key in (acks or {}).items()}


def done_returns(stack: Stack, ids: set[str]) -> int:
    """Returns both refunded and restocked: ReBound was told both, after commercetools took them."""
    return sum(
        1 for rid, types in acknowledged(stack).items() if rid in ids and {"REFUNDED", "RESTOCKED"} <= types
    )


def api_calls(stack: Stack) -> dict[str, int]:
    _, overview = stack.admin("GET", "/api/overview")
    return {api["name"]: api["calls"] for api in overview["apis"]}


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def run_size(workdir: Path, stored: int, returns: int, rng: Any) -> dict[str, Any]:
    stack = bench_stack(workdir, env=DAEMON_ENV)
    stack.prepare()
    fill_seconds = prefill.fill(stack.db, stored)
    try:
        stack.start_simulators()
        stack.rb_faults(latency=RB_LATENCY)
        stack.ct_faults([{"path": "^/(?!oauth)", "latency": CT_LATENCY}])
        stack.start_daemon()
        assert stack.daemon is not None
        asyncio.run(seed_shop(stack))
        idle = api_calls(stack)
        numbers = asyncio.run(orders_in_rebound(stack, returns, rng.randrange(2**32)))
        # What syncing one order costs, so the order feed's calls can be taken out of the per-return count.
        synced = api_calls(stack)
        per_order = {name: (synced.get(name, 0) - idle.get(name, 0)) / returns for name in synced}
        script_returns(stack, numbers)
        bodies = event_bodies(stack)
        ids = {json.loads(b)["data"]["order"]["returnId"] for b in bodies}
        calls_before = api_calls(stack)
        sampler = Sampler(stack.daemon.pid)

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
        calls_after = api_calls(stack)
        done = done_returns(stack, ids)
        with sqlite3.connect(f"file:{stack.db}?mode=ro", uri=True) as conn:
            lags = [
                row[0]
                for row in conn.execute(
                    "SELECT lag_seconds FROM synced_orders"
                    " WHERE order_number LIKE 'SURGE%' AND lag_seconds IS NOT NULL"
                )
            ]
        accepted = statuses.get(202, 0) + statuses.get(200, 0)
        per_return_calls = {
            name: round(
                (calls_after.get(name, 0) - calls_before.get(name, 0) - len(lags) * per_order.get(name, 0.0))
                / max(done, 1),
                2,
            )
            for name in calls_after
        }
        return {
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
            "calls_per_return": per_return_calls,
            "calls_per_order_sync": {name: round(value, 2) for name, value in per_order.items()},
            "daemon_cpu_ms_per_return": round(1000 * usage["cpu_seconds"] / max(done, 1), 1),
            **usage,
        }
    finally:
        stack.stop()


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
        first = by_size[0]
        figures["bare_handler_accepted_per_s"] = bare_intake(first["webhooks"])
        figures["outage"] = outage_comparison(Path(tmp) / "outage", returns // 2, outage, rng)
    figures |= summarise(figures)
    return figures


def summarise(f: dict[str, Any]) -> dict[str, Any]:
    sizes = f["by_stored_returns"]
    first, last = sizes[0], sizes[-1]
    calls = first["calls_per_return"]
    ct_calls, rb_calls = calls.get("commercetools", 0.0), calls.get("rebound", 0.0)
    # Each API's pool holds CT_CONCURRENCY / RB_CONCURRENCY calls at once; a return needs this many of each.
    ceilings = []
    if ct_calls:
        ceilings.append(CT_CONCURRENCY / (ct_calls * CT_LATENCY))
    if rb_calls:
        ceilings.append(RB_CONCURRENCY / (rb_calls * RB_LATENCY))
    ceiling = round(min(ceilings), 2) if ceilings else None
    intake_ratio = round(first["intake_accepted_per_s"] / f["bare_handler_accepted_per_s"], 3)
    e2e_ratio = round(first["end_to_end_returns_per_s"] / ceiling, 3) if ceiling else None
    cost_ratio = round(last["daemon_cpu_ms_per_return"] / first["daemon_cpu_ms_per_return"], 2)
    lag_p99 = max((s["sync_lag_s"]["p99"] or 0.0) for s in sizes)
    peak = max(s["peak_rss_mb"] for s in sizes)
    return {
        "upstream_ceiling_returns_per_s": ceiling,
        "intake_vs_bare": intake_ratio,
        "end_to_end_vs_ceiling": e2e_ratio,
        "cpu_per_return_last_vs_first_size": cost_ratio,
        "targets": {
            "intake_at_least_half_of_bare": intake_ratio >= 0.5,
            "end_to_end_70pct_of_ceiling": e2e_ratio is not None and e2e_ratio >= 0.7,
            "end_to_end_200_per_s": first["end_to_end_returns_per_s"] >= 200,
            "no_return_lost_in_outage": f["outage"]["backflow"]["lost"] == 0,
            "sync_lag_p99_under_1s": lag_p99 < 1.0,
            "rss_under_250mb": peak < 250,
            "per_return_cost_flat_within_1_5x": cost_ratio <= 1.5,
        },
    }


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
        "orders checked out during the surge. CPU and RSS of the daemon from /proc. The upstream ceiling is "
        "min over the two APIs of concurrency / (calls per return x latency), with the calls counted in the "
        "run. The outage comparison sends each return's `created` webhook once (a third before, a third "
        "during, a third after a commercetools outage) to Backflow and to a naive integration "
        "(`bench/contenders.py naive`: commercetools called inside the request, nothing stored).\n\n"
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
