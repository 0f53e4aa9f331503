"""The surge side by side on the two stores: one daemon on SQLite, then one and three replicas on
PostgreSQL (behind the stack's load balancer), each on a fresh stack at the same sizes and traffic.

    .venv/bin/python bench/surge_replicas.py [--sizes 1000,10000]

A durable PostgreSQL server of our own (every commit acknowledged after it reached the WAL) with one
fresh database per run, prefilled through the store's copy of a SQLite prefill. Each PostgreSQL run
is given as ratios to the SQLite run of the same size. CPU: the daemons' summed, each replica's peak
RSS, the PostgreSQL server's (postmaster and children), the simulators', the bench process's (it
holds the load balancer) and the load average, so the figures say who used the cores. One JSON
object on the last line; the figures, with the command, go to the section "Surge on PostgreSQL, 1
and 3 replicas" of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backflow.devtools.postgres_server import PostgresServer, find_bindir
from bench.report import replace_section
from bench.surge import REPORT, run_size
from bench.surge_traffic import CT_LATENCY, ORDER_RATE, RB_LATENCY, SENDERS

RETURNS = 200
"""Returns in each surge, as in the quick surge."""
RUNS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 3))
HEADING = "Surge on PostgreSQL, 1 and 3 replicas"


def run_one(tmp: Path, server: PostgresServer, store: str, replicas: int, stored: int) -> dict[str, Any]:
    name = f"{store}-{replicas}-{stored}"
    workdir = tmp / name
    workdir.mkdir()
    db_url = server.create_database(name.replace("-", "_")) if store == "postgresql" else None
    load_before, cpu_before, started = os.getloadavg(), time.process_time(), time.monotonic()
    figures = run_size(
        workdir,
        stored,
        RETURNS,
        random.Random(11),  # the same traffic for each store
        db_url=db_url,
        replicas=replicas,
        server_data=server.data if db_url else None,
    )
    wall = time.monotonic() - started
    return {
        "store": store,
        "replicas": replicas,
        **figures,
        # The bench process sends the traffic and, with replicas, runs the load balancer in a thread.
        "bench_process_cpu_percent": round(100 * (time.process_time() - cpu_before) / wall, 1),
        "load_average_1m": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
    }


def ratios(run: dict[str, Any], sqlite: dict[str, Any]) -> dict[str, float | None]:
    """A PostgreSQL run against the SQLite run of the same size (above 1: more of it on PostgreSQL)."""

    def ratio(key: str, of: dict[str, Any] = run, base: dict[str, Any] = sqlite) -> float | None:
        return round(of[key] / base[key], 2) if base.get(key) else None

    lag, base_lag = run["sync_lag_s"]["p99"], sqlite["sync_lag_s"]["p99"]
    return {
        "intake_accepted_per_s": ratio("intake_accepted_per_s"),
        "end_to_end_returns_per_s": ratio("end_to_end_returns_per_s"),
        "daemon_cpu_ms_per_return": ratio("daemon_cpu_ms_per_return"),
        "sync_lag_p99": round(lag / base_lag, 2) if lag is not None and base_lag else None,
    }


def run(sizes: list[int]) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": len(os.sched_getaffinity(0)),
        "returns_per_surge": RETURNS,
        "latency_ms": {"commercetools": CT_LATENCY * 1000, "rebound": RB_LATENCY * 1000},
        "order_rate_per_s": ORDER_RATE,
        "senders": SENDERS,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    server = PostgresServer(find_bindir(), durable=True)
    by_size = []
    try:
        server.start()
        with tempfile.TemporaryDirectory(prefix="backflow-surge-replicas-") as tmp:
            for stored in sizes:
                runs = [run_one(Path(tmp), server, store, n, stored) for store, n in RUNS]
                sqlite = runs[0]
                for other in runs[1:]:
                    other["vs_sqlite"] = ratios(other, sqlite)
                by_size.append({"stored_returns": stored, "runs": runs})
    finally:
        server.stop()
    figures["by_stored_returns"] = by_size
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def table(figures: dict[str, Any]) -> str:
    """One row per run: what each store and replica count did, and who used the CPU."""
    rows = [
        "| stored | store | replicas | intake/s | end to end/s | vs SQLite | sync lag p99 s "
        "| daemons CPU % (sum) | per replica % | PostgreSQL CPU % | simulators CPU % | bench CPU % "
        "| peak RSS MB per replica | load 1m after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in figures["by_stored_returns"]:
        for r in size["runs"]:
            vs = r.get("vs_sqlite", {}).get("end_to_end_returns_per_s")
            pg = r.get("postgresql_server_cpu", {}).get("cpu_percent", "-")
            rss = r.get("peak_rss_mb_by_replica", [r["peak_rss_mb"]])
            rows.append(
                f"| {size['stored_returns']:,} | {r['store']} | {r['replicas']} "
                f"| {r['intake_accepted_per_s']} | {r['end_to_end_returns_per_s']} | {vs or '1'} "
                f"| {r['sync_lag_s']['p99']} | {r['cpu_percent']} "
                f"| {round(r['cpu_percent'] / r['replicas'], 1)} | {pg} "
                f"| {sum(r['simulators_cpu_percent'].values()):.1f} | {r['bench_process_cpu_percent']} "
                f"| {', '.join(str(x) for x in rss)} | {r['load_average_1m']['after']} |"
            )
    return "\n".join(rows)


def write_report(figures: dict[str, Any], command: str) -> None:
    section = (
        f"## {HEADING}\n\n"
        f"Command: `{command}`\n\n"
        'The surge of the "Surge" section (its quick size: '
        f"{RETURNS} returns, their webhooks sent as fast as the daemon answers while orders arrive at "
        f"{ORDER_RATE:.0f}/s) on three fresh stacks per size, one after the other in one run: one daemon "
        "on SQLite, one daemon on PostgreSQL, three replicas on PostgreSQL behind the stack's load "
        "balancer (a thread of the bench process). PostgreSQL: a durable server of our own on 127.0.0.1 "
        "(synchronous_commit on), a fresh database per run, prefilled by copying a SQLite prefill with "
        "the store's copy. CPU percentages are of one core over the surge (the bench's over the whole "
        "run); with replicas the daemons' CPU is summed. The SQLite figures are this run's, not the "
        '"Surge" section\'s. What the figures say: the next section.\n\n'
        f"{table(figures)}\n\n"
        "```json\n" + json.dumps(figures, indent=2) + "\n```\n"
    )
    replace_section(REPORT, HEADING, section, "Performance", after="Surge: the targets, met or missed")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000", help="stored returns, comma-separated (default 1000)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = run(sizes)
    command = ".venv/bin/python bench/surge_replicas.py" + (
        f" --sizes {args.sizes}" if args.sizes != "1000" else ""
    )
    write_report(figures, command)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
