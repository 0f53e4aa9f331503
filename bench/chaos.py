"""Chaos: a busy day while the daemon is SIGKILLed and restarted and both platforms misbehave.

    .venv/bin/python bench/chaos.py [--short | --quick] [--seed N]

Faults: commercetools answers 502/503, hangs past the client timeout, applies writes and drops the
response, and is down for a whole outage; ReBound answers 429 and 503 and duplicates, reorders and
(by failing while the daemon is down) delays its webhooks. At the end the outcome is checked from
the simulators' own state (src/devtools/busy_day/check.py). One JSON object on the last line; the
full and quick runs also write it, with the command, to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backflow.devtools.busy_day.catalog import PLAIN
from backflow.devtools.busy_day.check import check_outcome
from backflow.devtools.busy_day.driver import driving
from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack, bench_stack
from backflow.devtools.stack.layout import Secrets
from bench.report import replace_section

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "reliability.md"

# Each fault on its own route family, so that every kind is really exercised.
CT_FAULTS: list[dict[str, Any]] = [
    {"method": "*", "path": ".*", "latency": 0.005, "error_rate": 0.05, "error_status": 502},
    {"method": "GET", "path": "/orders", "error_rate": 0.04, "error_status": 503},
    {"method": "POST", "path": "/orders/", "drop_rate": 0.08},
    {"method": "POST", "path": "/payments/", "drop_rate": 0.1},
    {"method": "POST", "path": "/inventory/", "drop_rate": 0.1},
    {"method": "GET", "path": "/inventory", "hang_rate": 0.01},
]
CT_DOWN: list[dict[str, Any]] = [
    {"method": "*", "path": "^/(?!oauth)", "error_rate": 1.0, "error_status": 503}
]
REBOUND_FAULTS = {"rate_limit_rate": 0.05, "duplicate_rate": 0.2, "out_of_order_rate": 0.3}


@dataclass(frozen=True)
class Profile:
    orders: int
    returns: int
    kills: int
    seconds: float
    """How long the day is spread over (real seconds), so the kills land while work is in flight."""
    outage: float
    tick_hours: float


PROFILES = {
    "full": Profile(orders=600, returns=400, kills=32, seconds=150, outage=30, tick_hours=1),
    "quick": Profile(orders=200, returns=120, kills=10, seconds=45, outage=8, tick_hours=2),
    "short": Profile(orders=60, returns=30, kills=5, seconds=15, outage=3, tick_hours=4),
}


class Chaos:
    def __init__(self, stack: Stack, profile: Profile, rng: random.Random) -> None:
        self.stack, self.profile, self.rng = stack, profile, rng
        self.kills = 0
        self.faults: dict[str, int] = {}
        self.lock = threading.Lock()  # the ticker and the killer never act on the daemon at once
        self.outage_done = False
        self.failure: BaseException | None = None

    def count(self, name: str, n: int = 1) -> None:
        self.faults[name] = self.faults.get(name, 0) + n

    def kill_and_restart(self) -> None:
        with self.lock:
            self.stack.kill_daemon()
            self.kills += 1
            time.sleep(self.rng.uniform(0, 0.5))
            self.stack.start_daemon()

    def killer(self, stop: threading.Event) -> None:
        """SIGKILL at random moments, about evenly spread over the day, until the target is reached."""
        gap = self.profile.seconds / (self.profile.kills + 1)
        try:
            while self.kills < self.profile.kills and not stop.wait(self.rng.uniform(0.3 * gap, 1.7 * gap)):
                self.kill_and_restart()
        except BaseException as error:  # a restart that fails is the finding: stop the run and report it
            self.failure = error
            stop.set()

    def outage(self, stop: threading.Event) -> None:
        """commercetools down (every API call 503) for `outage` seconds, a third into the day."""
        if stop.wait(self.profile.seconds / 3):
            return
        self.stack.ct_faults(CT_DOWN)
        stop.wait(self.profile.outage)
        self.stack.ct_faults(CT_FAULTS)
        self.count("commercetools_outage_seconds", int(self.profile.outage))
        self.outage_done = True

    async def between_ticks(self) -> None:
        # The ticker waits for a restart in progress: ReBound keeps retrying for 72 h, not for a few ticks.
        await anyio.to_thread.run_sync(self._no_restart_in_progress)
        if self.rng.random() < 0.05:
            self.stack.rb_faults(fail_next=self.rng.randint(1, 4), fail_status=self.rng.choice([502, 503]))
            self.count("rebound_503_burst")
        await anyio.sleep(self.pace)

    def _no_restart_in_progress(self) -> None:
        with self.lock:
            pass

    async def day(self) -> tuple[float, int]:
        """Orders checked out and synced, a day of returns booked, then ticked through while the killer
        and the outage act; (when the ticking began, ticks)."""
        p = self.profile
        stack = self.stack
        plan = DayPlan(orders=p.orders, returns=p.returns, seed=self.rng.randrange(2**32))
        async with driving(stack, plan) as driver:
            await driver.seed_shop()
            await driver.seed_orders(driver.drafts(p.orders, "CT-", mix=PLAIN))
            await driver.wait_in_rebound(p.orders, within=120)
            await driver.book_day(p.returns)
            stack.ct_faults(CT_FAULTS)
            stack.rb_faults(**REBOUND_FAULTS)
            expected_ticks = (14 * 24) / p.tick_hours  # a day of bookings plus up to ~13 days of hub steps
            self.pace = p.seconds / expected_ticks
            stop = threading.Event()
            threads = [
                threading.Thread(target=self.killer, args=(stop,), daemon=True),
                threading.Thread(target=self.outage, args=(stop,), daemon=True),
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            try:
                done = await driver.tick_until_delivered(
                    p.tick_hours * 3600,
                    within=p.seconds * 6 + 300,
                    between_ticks=self.between_ticks,
                    stop=stop,
                )
                if self.failure is None and not done:
                    raise TimeoutError(f"the day did not finish ({driver.log.ticks} ticks)")
                # Kills still owed land while the daemon works off the backlog.
                await anyio.to_thread.run_sync(threads[0].join, p.seconds * 2 + 120)
            finally:
                stop.set()
                for thread in threads:
                    await anyio.to_thread.run_sync(thread.join, 60)
            if self.failure is not None:
                raise RuntimeError(f"the daemon did not come back after kill {self.kills}") from self.failure
            stack.ct_faults([])
            stack.rb_faults(rate_limit_rate=0.0, duplicate_rate=0.0, out_of_order_rate=0.0)
            await driver.wait_quiet(300)
            return started, driver.log.ticks

    def run(self) -> dict[str, Any]:
        stack = self.stack
        stack.prepare()
        stack.start_simulators(rebound_seed=self.rng.randrange(1000))
        stack.start_daemon()
        started, ticks = anyio.run(self.day)
        outcome = check_outcome(stack)
        ct_stats = request("GET", f"{stack.ct}/_sim/stats")[1] or {}
        deliveries = request("GET", f"{stack.rb}/_sim/deliveries")[1] or {"attempts": []}
        attempts = deliveries["attempts"]
        per_event: dict[str, int] = {}
        for attempt in attempts:
            if attempt["outcome"] == "delivered":
                per_event[attempt["event_id"]] = per_event.get(attempt["event_id"], 0) + 1
        self.count("webhooks_failed_then_retried", sum(1 for a in attempts if a["outcome"] == "failed"))
        self.count("webhooks_abandoned", sum(1 for a in attempts if a["outcome"] == "abandoned"))
        self.count("webhooks_delivered_more_than_once", sum(1 for n in per_event.values() if n > 1))
        for name, value in ct_stats.items():
            if name.startswith("fault."):
                self.count("commercetools_" + name.removeprefix("fault."), int(value))
        counts = outcome.counts()
        return {
            "kills": self.kills,
            "daemon_starts": stack.starts,
            "faults_injected": dict(sorted(self.faults.items())),
            "seconds": round(time.monotonic() - started, 1),
            "ticks": ticks,
            **counts,
            "duplicates_found": counts.pop("duplicates"),
            "lost": counts["lost"],
            "problems": (outcome.duplicates + outcome.lost + outcome.wrong)[:20],
        }


def run(
    profile_name: str,
    seed: int,
    workdir: Path | None = None,
    *,
    secrets: Secrets | None = None,
    env: dict[str, str] | None = None,
    before_stop: Callable[[Stack], None] | None = None,
) -> dict[str, Any]:
    """One chaos day; `before_stop` may look at the stack (admin API, files) before it is stopped."""
    profile = PROFILES[profile_name]
    with tempfile.TemporaryDirectory(prefix="backflow-chaos-") as tmp:
        stack = bench_stack(
            workdir or Path(tmp),
            secrets=secrets,
            env={
                "BACKFLOW_LEASE_SECONDS": "2",
                "BACKFLOW_POLL_SECONDS": "0.5",
                "BACKFLOW_LOG_LEVEL": "WARNING",
            }
            | (env or {}),
        )
        try:
            figures = Chaos(stack, profile, random.Random(seed)).run()
            if before_stop is not None:
                before_stop(stack)
        finally:
            stack.stop()
    figures = {"profile": profile_name, "seed": seed, **figures}
    figures.pop("duplicates", None)
    return figures


def write_report(figures: dict[str, Any], command: str) -> None:
    section = (
        "## Chaos\n\n"
        f"Command: `{command}`\n\n"
        "A busy day (orders checked out in the commercetools simulator, synced to ReBound, a seeded day of "
        "returns booked there and run through every hub step) while the daemon is SIGKILLed at random "
        "moments and restarted, commercetools answers 502/503, hangs past the client timeout, applies "
        "writes and drops the response, and is down for a whole outage, and ReBound answers 429/503 and "
        "duplicates, reorders and (failing deliveries while the daemon is down) delays its webhooks.\n\n"
        "The check reads the simulators' own state, not Backflow's database: every return in a final "
        "state; each return anchored in commercetools (return info with its item keys), or, where two "
        "returns claim more of a line than was ordered, refused with `return_order_mismatch`; one "
        "Refund transaction per refunded return, matching ReBound's proposal within the documented "
        "rounding tolerance (1 minor unit per line: a partial refund is the line's cumulative share of "
        "what was paid, rounded once: `docs/refunds.md`), acknowledged once; every sellable item "
        "restocked once (stock levels exact, no marker "
        "twice) and nothing else; every webhook ReBound counts as delivered processed (Backflow's inbox, "
        "the only record of that); the exceptions the day calls for present and none twice (admin API); "
        "no dead letter.\n\n"
        "```json\n" + json.dumps(figures, indent=2) + "\n```\n"
    )
    replace_section(REPORT, "Chaos", section, "Reliability")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a smaller day, 10 kills")
    size.add_argument("--short", action="store_true", help="the make-test size: a small day, 5 kills")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--keep", type=Path, default=None, help="keep the processes' files in this directory")
    args = parser.parse_args()
    profile = "short" if args.short else "quick" if args.quick else "full"
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    figures = run(profile, args.seed, args.keep)
    if profile != "short":
        flags = " --quick" if args.quick else ""
        write_report(figures, f".venv/bin/python bench/chaos.py{flags} --seed {args.seed}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
