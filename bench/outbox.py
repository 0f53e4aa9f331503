"""Outbox benchmark: group-commit appends, end to end against huey, claim latency at 1M rows, memory.

    .venv/bin/python bench/outbox.py [--quick]
    .venv/bin/python bench/outbox.py --store postgresql [--quick] [--pg-url postgresql://...]

Every contender runs with the same durability: WAL and synchronous=FULL (huey: fsync=True).
The figures are printed as one JSON object on the last line and written, with the command, to
the "Outbox" section of docs/performance.md (other sections are kept). With `--store postgresql`
the same measurements run on SQLite and on PostgreSQL side by side, written to "Outbox on
PostgreSQL" instead (bench/outbox_postgresql.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio

from backflow.adapters.sqlite.connections import open_writer
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.outbox import OutboxMessage
from bench.outbox_baselines import PAYLOAD, huey_end_to_end, raw_appends
from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
PRODUCERS = 64


# Opens a store (SQLite or PostgreSQL): the measurements below only use its `outbox`.
Opener = Callable[[], AbstractAsyncContextManager[Any]]


def message(n: int) -> OutboxMessage:
    return OutboxMessage(kind="restock", payload=PAYLOAD, idempotency_key=f"key-{n}")


def sqlite_store(path: Path) -> Opener:
    return lambda: SqliteStore.open(path, clock=SystemClock(), ids=Uuid7Generator())


# ------------------------------------------------------------------ durable appends


async def ours_appends(open_store: Opener, total: int) -> float:
    per_producer = total // PRODUCERS
    async with open_store() as store:

        async def produce(p: int) -> None:
            for n in range(per_producer):
                await store.outbox.append(message(p * per_producer + n))

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for p in range(PRODUCERS):
                tg.start_soon(produce, p)
        elapsed = time.perf_counter() - started
    return per_producer * PRODUCERS / elapsed


# ------------------------------------------------------------------ end to end


async def ours_end_to_end(open_store: Opener, total: int, workers: int = 4) -> float:
    per_producer = total // PRODUCERS
    total = per_producer * PRODUCERS
    async with open_store() as store:
        completed = 0

        async def produce(p: int) -> None:
            for n in range(per_producer):
                await store.outbox.append(message(p * per_producer + n))

        async def complete(row_id: str, owner: str) -> None:
            nonlocal completed
            if await store.outbox.complete(row_id, owner):
                completed += 1

        async def work(owner: str) -> None:
            while completed < total:
                rows = await store.outbox.claim(owner, limit=128, lease_seconds=60)
                if not rows:
                    await anyio.sleep(0.001)
                    continue
                # Each job completes on its own (as actors do); the writer groups them into a batch.
                async with anyio.create_task_group() as tg:
                    for row in rows:
                        tg.start_soon(complete, row.id, owner)

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for p in range(PRODUCERS):
                tg.start_soon(produce, p)
            for w in range(workers):
                tg.start_soon(work, f"worker-{w}")
        elapsed = time.perf_counter() - started
    return total / elapsed


# ------------------------------------------------------------------ claim latency on a big table


def fill_completed(path: Path, rows: int) -> None:
    """`rows` done rows with time-ordered ids, written by one recursive CTE (seconds, not minutes)."""
    conn = open_writer(path)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
        INSERT INTO outbox (id, kind, payload, idempotency_key, status, attempts, available_at, created_at,
                            trace_ctx, finished_at)
        SELECT printf('00000000-0000-7000-8000-%012d', i), 'restock', :payload, 'old-' || i, 'done', 1,
               1.0e9 + i, 1.0e9 + i, x'7b7d', 1.0e9 + i
        FROM n
        """,
        {"rows": rows, "payload": PAYLOAD},
    )
    conn.execute("COMMIT")
    conn.close()


async def claim_latency(open_store: Opener, rounds: int, batch: int = 10) -> dict[str, float]:
    samples: list[float] = []
    async with open_store() as store:
        for r in range(rounds):
            for n in range(batch):
                await store.outbox.append(message(r * batch + n))
            started = time.perf_counter()
            rows = await store.outbox.claim("bench", limit=batch, lease_seconds=60)
            samples.append(time.perf_counter() - started)
            if len(rows) != batch:
                raise RuntimeError(f"claimed {len(rows)} of {batch}")
            for row in rows:
                await store.outbox.complete(row.id, "bench")
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(samples[int(len(samples) * 0.95)] * 1000, 3),
    }


# ------------------------------------------------------------------ memory while the table grows


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 1e6


async def memory_while_growing(path: Path, rounds: int, per_round: int) -> list[float]:
    samples: list[float] = []
    async with SqliteStore.open(path, clock=SystemClock(), ids=Uuid7Generator()) as store:

        async def produce(p: int, r: int) -> None:
            for n in range(per_round // PRODUCERS):
                await store.outbox.append(message((r * PRODUCERS + p) * per_round + n))

        for r in range(rounds):
            async with anyio.create_task_group() as tg:
                for p in range(PRODUCERS):
                    tg.start_soon(produce, p, r)
            while rows := await store.outbox.claim("bench", limit=500, lease_seconds=60):
                async with anyio.create_task_group() as tg:
                    for row in rows:
                        tg.start_soon(store.outbox.complete, row.id, "bench")
            samples.append(round(rss_mb(), 1))
    return samples


# ------------------------------------------------------------------ report


def run(quick: bool) -> dict[str, object]:
    scale = 0.1 if quick else 1.0
    appends, naive_n, e2e_n = int(40_000 * scale), int(3_000 * scale), int(40_000 * scale)
    big_rows = 100_000 if quick else 1_000_000
    rounds = 50 if quick else 300
    # Under var/ (git-ignored) on the project's own disk, so fsync costs what it costs in production.
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-outbox-", dir=ROOT / "var") as tmp:
        d = Path(tmp)
        ours = anyio.run(ours_appends, sqlite_store(d / "ours.sqlite"), appends, backend="asyncio")
        naive = raw_appends(d / "naive.sqlite", naive_n, batch=1)
        ceiling = raw_appends(d / "ceiling.sqlite", appends, batch=5_000)
        e2e = anyio.run(ours_end_to_end, sqlite_store(d / "e2e.sqlite"), e2e_n, backend="asyncio")
        huey = huey_end_to_end(d / "huey.sqlite", max(naive_n, 1_000))
        empty = anyio.run(claim_latency, sqlite_store(d / "empty.sqlite"), rounds, backend="asyncio")
        fill_started = time.perf_counter()
        fill_completed(d / "big.sqlite", big_rows)
        fill_seconds = time.perf_counter() - fill_started
        big = anyio.run(claim_latency, sqlite_store(d / "big.sqlite"), rounds, backend="asyncio")
        memory = anyio.run(memory_while_growing, d / "mem.sqlite", 10, int(20_000 * scale), backend="asyncio")
    warm = memory[2:]
    return {
        "quick": quick,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "appends_per_s": {
            "group_commit": round(ours),
            "naive_one_per_txn": round(naive),
            "ceiling_batched": round(ceiling),
        },
        "appends_vs_naive": round(ours / naive, 1),
        "appends_vs_ceiling": round(ours / ceiling, 3),
        "end_to_end_jobs_per_s": {"ours": round(e2e), "huey": round(huey)},
        "end_to_end_vs_huey": round(e2e / huey, 1),
        "claim_latency": {
            "empty": empty,
            f"{big_rows}_done_rows": big,
            "fill_seconds": round(fill_seconds, 1),
        },
        "claim_latency_ratio": round(big["median_ms"] / empty["median_ms"], 2),
        "rss_mb_per_round": memory,
        "rss_growth_mb_after_warmup": round(max(warm) - min(warm), 1),
        "targets": {
            "appends_2x_naive": ours >= 2 * naive,
            "appends_10k_per_s": ours >= 10_000,
            "end_to_end_5k_per_s": e2e >= 5_000,
            "end_to_end_ahead_of_huey": e2e > huey,
            "claim_latency_within_1_5x": big["median_ms"] <= 1.5 * empty["median_ms"],
            "memory_flat": max(warm) - min(warm) < 20,
        },
    }


def write_report(figures: dict[str, object], command: str) -> None:
    section = (
        "## Outbox\n\n"
        f"Command: `{command}`\n\n"
        "Same durability for every contender: WAL, synchronous=FULL (huey: `fsync=True`). Appends come from "
        f"{PRODUCERS} concurrent producers; the naive and ceiling rates are raw sqlite3 on the same table "
        "(one row per transaction, 5,000 rows per transaction). End to end = append, claim (128 at a "
        "time), complete each job on its own; huey = `SqliteHuey` enqueue then dequeue. Claim latency: "
        "median/p95 of claiming 10 due rows, empty table vs the table holding the completed rows. RSS "
        "sampled after each round of appends+claims+completes.\n\n"
        "```json\n" + json.dumps(figures, indent=2) + "\n```\n"
    )
    replace_section(REPORT, "Outbox", section, "Performance")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a short run (smaller tables and counts)")
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="postgresql: the same measurements on SQLite and PostgreSQL side by side",
    )
    parser.add_argument(
        "--pg-url", help="with --store postgresql: an existing server (default: start a throwaway one)"
    )
    args = parser.parse_args()
    command = ".venv/bin/python bench/outbox.py" + (" --quick" if args.quick else "")
    if args.store == "postgresql":
        from bench import outbox_postgresql

        figures = outbox_postgresql.run(args.quick, args.pg_url)
        command += " --store postgresql" + (" --pg-url …" if args.pg_url else "")
        outbox_postgresql.write_report(figures, command)
    else:
        figures = run(args.quick)
        write_report(figures, command)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
