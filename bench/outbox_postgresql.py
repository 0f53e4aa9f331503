"""The outbox on PostgreSQL beside SQLite, measured in one run: `bench/outbox.py --store postgresql`.

Both stores go through the same code (bench/outbox.py's appends, end to end and claim latency), each
measurement on a fresh database. The PostgreSQL server is `--pg-url` (its role needs CREATEDB: every
measurement creates and drops a database of its own), or by default a throwaway one started with
initdb/pg_ctl (tests/postgres_server.py, imported from the tests until it moves to devtools) and made
durable: the tests run it without fsync, a benchmark of commits must pay for them as SQLite does.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import psycopg
from psycopg.conninfo import make_conninfo

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from bench.outbox import (
    PRODUCERS,
    REPORT,
    ROOT,
    Opener,
    claim_latency,
    fill_completed,
    ours_appends,
    ours_end_to_end,
    sqlite_store,
)
from bench.outbox_baselines import PAYLOAD
from bench.report import replace_section

DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
POOL_MAX = 10  # the adapter's default pool (BACKFLOW_PG_POOL_MAX)
COPY_CHUNK = 50_000
T = TypeVar("T")


@contextmanager
def server(pg_url: str | None) -> Iterator[str]:
    """The URL of a server to measure on: the one given, or a throwaway durable one."""
    if pg_url:
        yield pg_url
        return
    from backflow.devtools.postgres_server import PostgresServer, find_bindir

    class DurableServer(PostgresServer):
        def resume(self) -> None:
            if DURABLE not in self._options:  # the last `-c` of a setting wins
                self._options += " " + DURABLE
            super().resume()

    throwaway = DurableServer(find_bindir())
    try:
        throwaway.start()
        yield throwaway.dsn()
    finally:
        throwaway.stop()


@contextmanager
def fresh_database(admin_url: str, name: str) -> Iterator[str]:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield make_conninfo(admin_url, dbname=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def postgres_store(dsn: str) -> Opener:
    return lambda: PostgresStore.open(
        dsn, clock=SystemClock(), ids=Uuid7Generator(), max_connections=POOL_MAX
    )


async def create_schema(dsn: str) -> None:
    async with postgres_store(dsn)():
        pass


def copy_completed(dsn: str, rows: int) -> None:
    """`rows` done rows with time-ordered ids, streamed in with COPY (as fill_completed for SQLite)."""
    payload = "\\\\x" + PAYLOAD.hex()  # bytea in COPY's text format: an escaped backslash, then hex
    at = "2001-09-09 01:46:40+00"  # one old instant for every row: all long done
    columns = (
        "id, kind, payload, idempotency_key, status, attempts, available_at, created_at, trace_ctx,"
        " finished_at"
    )
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY outbox ({columns}) FROM STDIN") as copy:
            for start in range(1, rows + 1, COPY_CHUNK):
                copy.write(
                    "".join(
                        f"00000000-0000-7000-8000-{i:012d}\trestock\t{payload}\told-{i}\tdone\t1"
                        f"\t{at}\t{at}\t{{}}\t{at}\n"
                        for i in range(start, min(start + COPY_CHUNK, rows + 1))
                    )
                )
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE outbox")  # what autovacuum does soon after such a load


@dataclass
class StoreFigures:
    appends: float
    end_to_end: float
    claim_empty: dict[str, float]
    claim_big: dict[str, float]
    fill_seconds: float

    def as_json(self, big: str) -> dict[str, object]:
        return {
            "appends_per_s": round(self.appends),
            "end_to_end_jobs_per_s": round(self.end_to_end),
            "claim_latency": {
                "empty": self.claim_empty,
                big: self.claim_big,
                "fill_seconds": round(self.fill_seconds, 1),
            },
        }


def measure_postgresql(admin_url: str, sizes: dict[str, int]) -> tuple[StoreFigures, dict[str, str]]:
    def on_fresh(name: str, fn: Callable[[Opener, int], Awaitable[T]], size: int) -> T:
        with fresh_database(admin_url, name) as dsn:
            return anyio.run(fn, postgres_store(dsn), size, backend="asyncio")

    appends = on_fresh("bench_appends", ours_appends, sizes["appends"])
    e2e = on_fresh("bench_e2e", ours_end_to_end, sizes["e2e"])
    empty = on_fresh("bench_empty", claim_latency, sizes["rounds"])
    with fresh_database(admin_url, "bench_big") as dsn:
        anyio.run(create_schema, dsn, backend="asyncio")
        started = time.perf_counter()
        copy_completed(dsn, sizes["big_rows"])
        fill_seconds = time.perf_counter() - started
        big = anyio.run(claim_latency, postgres_store(dsn), sizes["rounds"], backend="asyncio")
    with psycopg.connect(admin_url) as conn:
        server_settings = {}
        for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes"):
            row = conn.execute(f"SHOW {name}").fetchone()
            server_settings[name] = str(row[0]) if row else "?"
    return StoreFigures(appends, e2e, empty, big, fill_seconds), server_settings


def measure_sqlite(sizes: dict[str, int]) -> StoreFigures:
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-outbox-", dir=ROOT / "var") as tmp:
        d = Path(tmp)
        appends = anyio.run(ours_appends, sqlite_store(d / "a.sqlite"), sizes["appends"], backend="asyncio")
        e2e = anyio.run(ours_end_to_end, sqlite_store(d / "e.sqlite"), sizes["e2e"], backend="asyncio")
        empty = anyio.run(claim_latency, sqlite_store(d / "c.sqlite"), sizes["rounds"], backend="asyncio")
        started = time.perf_counter()
        fill_completed(d / "big.sqlite", sizes["big_rows"])
        fill_seconds = time.perf_counter() - started
        big = anyio.run(claim_latency, sqlite_store(d / "big.sqlite"), sizes["rounds"], backend="asyncio")
    return StoreFigures(appends, e2e, empty, big, fill_seconds)


def run(quick: bool, pg_url: str | None) -> dict[str, object]:
    scale = 0.1 if quick else 1.0
    sizes = {
        "appends": int(40_000 * scale),
        "e2e": int(40_000 * scale),
        "rounds": 50 if quick else 300,
        "big_rows": 100_000 if quick else 1_000_000,
    }
    load_before = os.getloadavg()
    lite = measure_sqlite(sizes)
    with server(pg_url) as url:
        pg, server_settings = measure_postgresql(url, sizes)
    big = f"{sizes['big_rows']}_done_rows"
    return {
        "quick": quick,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "sqlite": {"version": sqlite3.sqlite_version, **lite.as_json(big)},
        "postgresql": {
            "server": "given by --pg-url" if pg_url else "throwaway (initdb/pg_ctl), same disk and cores",
            **server_settings,
            "pool_max": POOL_MAX,
            **pg.as_json(big),
        },
        "postgresql_vs_sqlite": {
            "appends": ratio(pg.appends, lite.appends),
            "end_to_end": ratio(pg.end_to_end, lite.end_to_end),
            "claim_median_empty": ratio(pg.claim_empty["median_ms"], lite.claim_empty["median_ms"]),
            f"claim_median_{big}": ratio(pg.claim_big["median_ms"], lite.claim_big["median_ms"]),
        },
        "claim_median_big_vs_empty": {
            "sqlite": ratio(lite.claim_big["median_ms"], lite.claim_empty["median_ms"]),
            "postgresql": ratio(pg.claim_big["median_ms"], pg.claim_empty["median_ms"]),
        },
    }


def ratio(a: float, b: float) -> float:
    return round(a / b, 2)


def write_report(figures: dict[str, Any], command: str) -> None:
    section = (
        "## Outbox on PostgreSQL\n\n"
        f"Command: `{command}`\n\n"
        'The same measurements as "Outbox" on both stores in one run, each on a fresh database: '
        f"appends from {PRODUCERS} concurrent producers; end to end = append, claim (128 at a time), "
        "complete each job on its own, 4 workers; claim latency = median/p95 of claiming 10 due rows on "
        "an empty table vs one holding the done rows (SQLite: one recursive CTE; PostgreSQL: COPY, then "
        "VACUUM ANALYZE). Both durable: SQLite WAL + synchronous=FULL, PostgreSQL fsync + "
        "synchronous_commit on. PostgreSQL has no group-commit writer in Backflow: each append is its "
        "own transaction on the pool, and the server groups concurrent WAL flushes itself.\n\n"
        "Honest about the machine: 2 cores shared with other engineers' work (load averages in the "
        "figures), and the PostgreSQL server runs on the same 2 cores and disk as the benchmark, so "
        "every PostgreSQL figure also pays for the server's processes; a managed server on its own "
        "hosts adds a network round trip per statement and takes the server's CPU off the client.\n\n"
        + side_by_side(figures)
        + "\n```json\n"
        + json.dumps(figures, indent=2)
        + "\n```\n"
    )
    replace_section(REPORT, "Outbox on PostgreSQL", section, "Performance")


def side_by_side(figures: dict[str, Any]) -> str:
    lite, pg = figures["sqlite"], figures["postgresql"]
    big = next(k for k in lite["claim_latency"] if k.endswith("_done_rows"))
    rows = [
        ("appends/s", lite["appends_per_s"], pg["appends_per_s"]),
        ("end-to-end jobs/s", lite["end_to_end_jobs_per_s"], pg["end_to_end_jobs_per_s"]),
    ]
    for table, label in (("empty", "empty table"), (big, f"{int(big.split('_')[0]):,} done rows")):
        for stat in ("median_ms", "p95_ms"):
            name = f"claim {stat.split('_')[0]}, {label} (ms)"
            rows.append((name, lite["claim_latency"][table][stat], pg["claim_latency"][table][stat]))
    lines = ["| | SQLite | PostgreSQL | PostgreSQL / SQLite |", "|---|---|---|---|"]
    lines += [f"| {name} | {a:,} | {b:,} | {b / a:.2f} |" for name, a, b in rows]
    return "\n".join(lines) + "\n"
