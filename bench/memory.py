"""Memory at N stored returns: where the daemon's peak RSS (VmHWM) comes from, phase by phase.

    .venv/bin/python bench/memory.py [--returns 1000000] [--cache DIR] [--returns-driven 40] [--skip-month]

Prefills a database with N finished returns, each with its refund and its released pending credit
(`bench/prefill.py`; with `--cache DIR` the filled file is kept there and copied for the next run of
the same size), starts both simulators and `backflow run`
on it with every scheduled job at a short interval, and reads the daemon's VmHWM from /proc after each
phase: start-up (every job ticks once at start), a second tick of every job, a little traffic (fresh
returns through their whole lifecycle: CPU ms per return from /proc), the operator's reads (overview,
return search and paging, exceptions, dead letters, metrics), and `backflow report` (a child process:
its own peak from wait4). VmHWM is the peak, not a sample, so a spike between two reads still shows in
the phase that caused it. One JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backflow.app.runtime.registry import CAPABILITIES
from backflow.devtools.stack.config import BENCH_CONFIG, DaemonConfig
from backflow.devtools.stack.launcher import Stack, bench_stack
from backflow.devtools.stack.procstats import peak_rss_mb, read_proc
from bench import prefill
from bench.surge_measure import done_returns
from bench.surge_traffic import blast, daemon_env, event_bodies, orders_in_rebound, script_returns, seed_shop

JOB_SECONDS = 15.0
"""Every scheduled job's interval here: each ticks at start-up, then again within this many seconds."""
ADMIN_PAGES = 5


def schedule() -> dict[str, float]:
    """Every job the capabilities declare, at JOB_SECONDS (their settings, as TOML keys)."""
    jobs = [job for capability in CAPABILITIES for job in capability.JOBS]
    return {job.schedule_field.replace("_", "-"): JOB_SECONDS for job in jobs}


def filled_db(stack: Stack, returns: int, cache: Path | None) -> float:
    """Fill (or copy a cached fill of) the stack's database; the seconds the fill took."""
    cached = cache / f"prefill-{returns}-ledgers.sqlite3" if cache else None
    if cached is not None and cached.exists():
        shutil.copyfile(cached, stack.db)
        return 0.0
    seconds = prefill.fill(stack.db, returns, ledgers=True)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(stack.db, cached)
    return seconds


def hwm(stack: Stack) -> float:
    assert stack.daemon is not None
    return round(peak_rss_mb(stack.daemon.pid), 1)


def rss(stack: Stack) -> float:
    assert stack.daemon is not None
    return round(read_proc(stack.daemon.pid)[1], 1)


def wait_job_runs(stack: Stack, runs: int, within: float) -> dict[str, int]:
    """Until every job has run `runs` times (from the overview's job list); the runs per job."""
    deadline = time.monotonic() + within
    seen: dict[str, int] = {}
    while time.monotonic() < deadline:
        status, overview = stack.admin("GET", "/api/overview")
        if status == 200:
            seen = {job["name"]: job["runs"] for job in overview["jobs"]}
            if seen and min(seen.values()) >= runs:
                return seen
        time.sleep(1.0)
    raise TimeoutError(f"jobs did not all run {runs} times within {within} s: {seen}")


def traffic(stack: Stack, returns: int, seed: int) -> dict[str, Any]:
    """`returns` fresh returns through their whole lifecycle; the daemon's CPU per return."""
    assert stack.daemon is not None
    rng = random.Random(seed)
    asyncio.run(seed_shop(stack))
    numbers = asyncio.run(orders_in_rebound(stack, returns, rng.randrange(2**32)))
    script_returns(stack, numbers)
    bodies = event_bodies(stack)
    ids = {json.loads(b)["data"]["order"]["returnId"] for b in bodies}
    cpu0, started = read_proc(stack.daemon.pid)[0], time.monotonic()
    _, statuses = asyncio.run(
        blast(f"{stack.url}/webhooks/rebound", bodies, stack.secrets.webhook_secret, 300)
    )
    done = 0
    while time.monotonic() - started < 600:
        done = done_returns(stack, ids)
        if done >= len(ids):
            break
        time.sleep(0.5)
    cpu = read_proc(stack.daemon.pid)[0] - cpu0
    return {
        "returns": len(ids),
        "done": done,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(time.monotonic() - started, 1),
        "daemon_cpu_ms_per_return": round(1000 * cpu / max(done, 1), 1),
    }


def operator_reads(stack: Stack) -> dict[str, tuple[int, float]]:
    """What an operator (the TUI) calls: the status (so a failure is seen) and seconds of each."""
    paths = ["/api/overview", "/metrics", "/api/dead-letters", "/api/exceptions?state=any"]
    paths += [f"/api/returns?query=H-{n}" for n in (1, 500_000)]
    paths += [f"/api/returns?query=RB-H00000001&offset={p * 50}" for p in range(ADMIN_PAGES)]
    paths += ["/api/returns?query=SKU-NOT-STORED", "/api/returns/RB-H00000001"]
    statuses: dict[str, tuple[int, float]] = {}
    for path in paths:
        started = time.monotonic()
        ask = urllib.request.Request(
            stack.url + path, headers={"Authorization": f"Bearer {stack.secrets.admin_token}"}
        )
        try:
            with urllib.request.urlopen(ask, timeout=300) as answer:
                answer.read()  # /metrics is text, the rest JSON: only the status matters here
                status = answer.status
        except urllib.error.HTTPError as refused:
            status = refused.code
        statuses[path] = (status, round(time.monotonic() - started, 2))
    return statuses


def report_peak(stack: Stack, *args: str) -> dict[str, Any]:
    """`backflow report ARGS` as a child: its exit status, seconds and peak RSS (wait4's ru_maxrss)."""
    command = [str(Path(sys.executable).with_name("backflow")), "report", *args, "--format", "json"]
    started = time.monotonic()
    child = subprocess.Popen(
        command, env=stack.child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    return {
        "exit": child.returncode,
        "seconds": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stderr": child.stderr.read().decode(errors="replace")[-300:],
    }


def run(workdir: Path, stored: int, driven: int, cache: Path | None, skip_month: bool) -> dict[str, Any]:
    stack = bench_stack(workdir, env=daemon_env())
    stack.config = DaemonConfig(
        policies=BENCH_CONFIG.policies, schedule={**schedule(), **BENCH_CONFIG.schedule}
    )
    stack.prepare()
    fill_seconds = filled_db(stack, stored, cache)
    phases: dict[str, Any] = {}
    try:
        stack.start_simulators()
        t0 = time.monotonic()
        stack.start_daemon()
        phases["ready"] = {
            "seconds": round(time.monotonic() - t0, 1),
            "hwm_mb": hwm(stack),
            "rss_mb": rss(stack),
        }
        phases["jobs_first_tick"] = {"runs": wait_job_runs(stack, 1, 900), "hwm_mb": hwm(stack)}
        phases["jobs_second_tick"] = {"runs": wait_job_runs(stack, 2, 900), "hwm_mb": hwm(stack)}
        phases["traffic"] = traffic(stack, driven, stored) | {"hwm_mb": hwm(stack)}
        phases["operator_reads"] = {"statuses": operator_reads(stack), "hwm_mb": hwm(stack)}
        phases["after"] = {"rss_mb": rss(stack)}
        today = time.strftime("%Y-%m-%d", time.gmtime())
        month = time.strftime("%Y-%m-01", time.gmtime())
        reports = (
            {}
            if skip_month
            else {"reconciliation": report_peak(stack, "reconciliation", "--from", month, "--to", today)}
        )
        reports |= {
            "reasons": report_peak(stack, "reasons"),
            # The prefilled returns are a day old: a period without them shows what the reads cost
            # when they are bounded by the period rather than by the history.
            "reconciliation_today": report_peak(stack, "reconciliation", "--from", today, "--to", today),
            "reasons_today": report_peak(stack, "reasons", "--from", today, "--to", today),
        }
    finally:
        stack.stop()
    return {
        "stored_returns": stored,
        "prefill_seconds": round(fill_seconds, 1),
        "job_interval_seconds": JOB_SECONDS,
        "phases": phases,
        "daemon_peak_rss_mb": phases["operator_reads"]["hwm_mb"],
        "reports": reports,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--returns", type=int, default=1_000_000, help="stored returns (default 1 M)")
    parser.add_argument("--returns-driven", type=int, default=40, help="fresh returns driven through")
    parser.add_argument("--cache", type=Path, help="keep the prefilled file here and reuse it")
    parser.add_argument(
        "--skip-month",
        action="store_true",
        help="leave out this month's reconciliation: the prefilled returns are all in it, so it lists"
        " every one of them (about 4.6 GB and 4 minutes at 1 M)",
    )
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with tempfile.TemporaryDirectory(prefix="backflow-memory-") as tmp:
        result = run(Path(tmp), args.returns, args.returns_driven, args.cache, args.skip_month)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
