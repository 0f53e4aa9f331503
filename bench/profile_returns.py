"""Where the daemon's CPU goes: returns alone, then orders alone, each phase measured per thread.

    .venv/bin/python bench/profile_returns.py [--returns N] [--py-spy] [--src DIR ...]

The surge mixes two costs; here they are apart. Phase 1 sends the webhooks of N booked returns as
fast as the daemon takes them, with no order feed, until ReBound is told every return is done; phase
2 runs the order feed alone at 50 orders/s. For each phase: the daemon's CPU per return (per order),
split between the event loop's thread and the SQLite threads (the group-commit writer and the
readers), from /proc. With `--py-spy` (py-spy from PyPI, in the venv or on PATH) phase 1 is also
recorded and the event loop thread's top frames are listed. Each `--src` (a checkout's `src/`, e.g. a
`git worktree` of an older commit) runs the same phases with that code in the daemon, side by side in
one run; the default is this checkout. Figures go to the "Profile of the returns path" section of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backflow.devtools.stack.launcher import Stack, bench_stack
from bench import surge_store
from bench.report import replace_section
from bench.surge import feed_until_synced
from bench.surge_measure import done_returns
from bench.surge_traffic import blast, booked, daemon_env, orders_in_rebound, start_latent

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
FEED_SECONDS = 10.0
TOP = 15


def _threads(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of `pid`."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        found[int(tid)] = (int(stat[11]) + int(stat[12])) / ticks
    return found


@contextmanager
def _cpu_by_thread(pid: int, into: dict[str, float]) -> Any:
    """Fills `into` with the phase's CPU seconds: the event loop's thread (the process's main thread)
    and every other thread (the SQLite writer and readers, the thread pool)."""
    before = _threads(pid)
    yield
    after = _threads(pid)
    spent = {tid: cpu - before.get(tid, 0.0) for tid, cpu in after.items()}
    into["event_loop_thread"] = round(spent.pop(pid, 0.0), 2)
    into["other_threads"] = round(sum(spent.values()), 2)


def _py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


_PREFIX = re.compile(r" \((?:.*?site-packages/|.*?/src/|/usr/lib/python3[^/]*/)")
"""A frame's path from its package on: `(/…/site-packages/aiohttp/client.py:5)` → `(aiohttp/client.py:5)`."""


def _top_frames(raw: Path, pid: int) -> dict[str, list[tuple[str, float]]]:
    """The event loop thread's busy samples (not waiting in `select`): top frames by own time and
    the backflow functions by inclusive time, as shares of those samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = 0
    thread = f"({pid})"  # py-spy names each stack's thread first: "thread (<tid>): MainThread"
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not frames or thread not in frames[0] or "EpollSelector.select" in stack:
            continue
        names = [_PREFIX.sub(" (", frame) for frame in frames[1:]]
        names = [re.sub(r":\d+\)$", ")", name) for name in names]
        if not names:
            continue
        weight = int(count)
        busy += weight
        own[names[-1]] += weight
        for name in set(names):
            if "backflow/" in name and "entrypoints/cli" not in name:  # the entry points hold every sample
                inclusive[name] += weight

    def share(counts: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / max(busy, 1), 1)) for name, n in counts.most_common(TOP)]

    return {"own": share(own), "inclusive_backflow": share(inclusive)}


def _phases(workdir: Path, returns: int, spy: str | None, rng: random.Random) -> dict[str, Any]:
    stack: Stack = bench_stack(workdir, env=daemon_env())
    stack.prepare()
    figures: dict[str, Any] = {"returns": returns}
    try:
        start_latent(stack)
        pid = stack.daemons[0].pid
        numbers = asyncio.run(orders_in_rebound(stack, returns, rng.randrange(2**32)))
        bodies, ids = booked(stack, numbers)
        raw = workdir / "returns.py-spy.raw"
        recorder = None
        if spy:
            command = [
                spy,
                "record",
                "-r",
                "100",
                "-f",
                "raw",
                "-o",
                str(raw),
                "--pid",
                str(pid),
                "--threads",
            ]
            recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)  # attached before the first webhook

        async def returns_alone() -> float:
            started = time.monotonic()
            await blast(f"{stack.url}/webhooks/rebound", bodies, stack.secrets.webhook_secret, 900)
            for _ in range(7200):  # bounded: an hour at most
                if done_returns(stack, ids) >= len(ids):
                    break
                await asyncio.sleep(0.25)
            return time.monotonic() - started

        cpu: dict[str, float] = {}
        with _cpu_by_thread(pid, cpu):
            seconds = asyncio.run(returns_alone())
        if recorder is not None:
            recorder.send_signal(2)  # SIGINT: py-spy writes what it has and exits
            recorder.wait(timeout=60)
            figures["event_loop_top_frames"] = _top_frames(raw, pid)
        figures["returns_per_s"] = round(len(ids) / seconds, 2)
        figures["cpu_ms_per_return"] = {k: round(1000 * v / len(ids), 1) for k, v in cpu.items()}
        figures["cpu_ms_per_return"]["total"] = round(sum(figures["cpu_ms_per_return"].values()), 1)
        figures["daemon_share_of_a_core"] = round(sum(cpu.values()) / seconds, 2)

        feed: dict[str, float] = {}
        with _cpu_by_thread(pid, feed):
            fed = feed_until_synced(stack, surge_store.of(stack), "PROFILE", rng, seconds=FEED_SECONDS)
        figures["orders_fed"] = fed
        figures["cpu_ms_per_order_fed_alone"] = {k: round(1000 * v / fed, 2) for k, v in feed.items()}
        figures["cpu_ms_per_order_fed_alone"]["total"] = round(
            sum(figures["cpu_ms_per_order_fed_alone"].values()), 2
        )
        return figures
    finally:
        stack.stop()


def run(sources: list[Path | None], returns: int, spy: str | None, seed: int, rounds: int) -> dict[str, Any]:
    """Every source once a round, in turn (so a drift of the machine's load touches each alike); the
    medians per source, with each round's totals."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for _ in range(rounds):
        for source in sources:
            label = str(source) if source else "this checkout"
            saved = os.environ.get("PYTHONPATH")
            if source:
                os.environ["PYTHONPATH"] = str(source)  # the stack's processes inherit it
            try:
                with tempfile.TemporaryDirectory(prefix="bf-profile-") as tmp:
                    runs.setdefault(label, []).append(_phases(Path(tmp), returns, spy, random.Random(seed)))
            finally:
                if saved is None:
                    os.environ.pop("PYTHONPATH", None)
                else:
                    os.environ["PYTHONPATH"] = saved
    return {label: _medians(each) for label, each in runs.items()}


def _medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"returns": runs[0]["returns"], "rounds": len(runs)}
    for key in ("returns_per_s", "daemon_share_of_a_core"):
        summary[key] = round(statistics.median(r[key] for r in runs), 2)
    for key in ("cpu_ms_per_return", "cpu_ms_per_order_fed_alone"):
        summary[key] = {
            part: round(statistics.median(r[key][part] for r in runs), 2) for part in runs[0][key]
        }
        summary[key + "_each_round"] = [r[key]["total"] for r in runs]
    frames = [r["event_loop_top_frames"] for r in runs if "event_loop_top_frames" in r]
    if frames:
        summary["event_loop_top_frames"] = frames[-1]  # the last round's
    return summary


def _section(command: str, results: dict[str, Any]) -> str:
    lines = [
        "## Profile of the returns path",
        "",
        f"`{command}` (returns alone, then the order feed alone at 50/s; CPU from /proc per thread;",
        "medians of the rounds, each source once a round in turn).",
        "",
        "| code | returns/s | CPU per return: event loop / other threads / **total** (ms) | each round "
        "| CPU per order fed alone (ms) | each round |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in results.items():
        c, o = r["cpu_ms_per_return"], r["cpu_ms_per_order_fed_alone"]
        lines.append(
            f"| `{label}` | {r['returns_per_s']} | {c['event_loop_thread']} / {c['other_threads']} / "
            f"**{c['total']}** | {r['cpu_ms_per_return_each_round']} | {o['total']} "
            f"| {r['cpu_ms_per_order_fed_alone_each_round']} |"
        )
    for label, r in results.items():
        if "event_loop_top_frames" not in r:
            continue
        lines += ["", f"Event loop thread, `{label}`: top frames (share of its busy samples)", ""]
        lines += ["| own time | % | inclusive (backflow) | % |", "|---|---|---|---|"]
        top = r["event_loop_top_frames"]
        for (a, pa), (b, pb) in zip(top["own"], top["inclusive_backflow"], strict=False):
            lines.append(f"| `{a}` | {pa} | `{b}` | {pb} |")
    lines += ["", "```json", json.dumps(results, indent=1), "```", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--returns", type=int, default=300, help="returns sent (default: %(default)s)")
    parser.add_argument("--py-spy", action="store_true", help="record the returns phase with py-spy")
    parser.add_argument("--src", type=Path, action="append", help="a checkout's src/ to run (repeatable)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each source (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--no-report", action="store_true", help="print only; leave docs/performance.md")
    args = parser.parse_args()
    spy = _py_spy() if args.py_spy else None
    if args.py_spy and spy is None:
        print("profile_returns: py-spy not found: install it from PyPI (.venv/bin/pip install py-spy)")
        return 2
    sources: list[Path | None] = [s.resolve() for s in args.src] if args.src else [None]
    results = run(sources, args.returns, spy, args.seed, max(1, args.rounds))
    command = " ".join(["python", "bench/profile_returns.py", *sys.argv[1:]])
    if not args.no_report:
        replace_section(REPORT, "Profile of the returns path", _section(command, results), "Performance")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
