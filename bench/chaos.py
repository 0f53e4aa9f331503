"""Chaos: a busy day while the daemon is SIGKILLed and restarted and both platforms misbehave.

    .venv/bin/python bench/chaos.py [--short | --quick] [--seed N]
        [--store sqlite|postgresql] [--replicas N] [--pg-url postgresql://…]

With `--store postgresql` the daemon runs as N replicas (`--replicas`, default 1) on one database
behind a load balancer: each SIGKILL hits a random replica, ReBound's duplicates reach random
replicas through the balancer, and stored webhooks are re-sent straight to random replicas. The run
starts its own PostgreSQL server (unless `--pg-url`) and restarts it once in the middle of the day,
probing a replica while it is down (bench/chaos_database.py).

Faults: commercetools answers 502/503, hangs past the client timeout, applies writes and drops the
response, and is down for a whole outage; ReBound answers 429 and 503 and duplicates, reorders and
(by failing while the daemon is down) delays its webhooks. At the end the outcome is checked from
the simulators' own state (src/devtools/busy_day/check.py). One JSON object on the last line; the
full and quick runs also write it, with the command, to docs/reliability.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
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
from bench import chaos_database
from bench.chaos_database import Database
from bench.chaos_profile import CT_DOWN, CT_FAULTS, PROFILES, REBOUND_FAULTS, Profile
from bench.chaos_report import write_report


class Chaos:
    def __init__(
        self, stack: Stack, profile: Profile, rng: random.Random, database: Database | None = None
    ) -> None:
        self.stack, self.profile, self.rng, self.database = stack, profile, rng, database
        self.kills = 0
        self.faults: dict[str, int] = {}
        self.lock = (
            threading.Lock()
        )  # held while the ticker must wait (a lone daemon restarting, no database)
        self.acting = threading.Lock()  # the killer and the database restart never act at once
        self.outage_done = False
        self.failure: BaseException | None = None
        self.db_restart: dict[str, Any] | None = None
        self.resent: Counter[str] = Counter()
        self.load: list[float] = []

    def count(self, name: str, n: int = 1) -> None:
        self.faults[name] = self.faults.get(name, 0) + n

    def kill_and_restart(self) -> None:
        """SIGKILL a random replica (the daemon, when alone) and start it again after a short delay. A
        lone daemon holds up the ticker meanwhile; beside replicas the others keep taking webhooks.
        One time in five two of three or more replicas go at once, leaving one to take all the work."""
        replicas = self.stack.replicas
        with self.acting, self.lock if replicas == 1 else nullcontext():
            pair = replicas > 2 and self.rng.random() < 0.2
            victims = self.rng.sample(range(replicas), 2 if pair else 1)
            for index in victims:
                self.stack.kill_replica(index)
                self.kills += 1
            time.sleep(self.rng.uniform(0, 0.5) if replicas == 1 else self.rng.uniform(0.2, 2.0))
            for index in victims:
                self.stack.start_replica(index)

    def killer(self, stop: threading.Event) -> None:
        """SIGKILL at random moments, about evenly spread over the day, until the target is reached."""
        gap = self.profile.seconds / (self.profile.kills + 1)
        try:
            while self.kills < self.profile.kills and not stop.wait(self.rng.uniform(0.3 * gap, 1.7 * gap)):
                self.kill_and_restart()
        except BaseException as error:  # a restart that fails is the finding: stop the run and report it
            self.failure = error
            stop.set()

    def database_restart(self, stop: threading.Event) -> None:
        """The PostgreSQL server restarted half-way through the day, probed while it is down. The
        ticker waits meanwhile: ReBound keeps retrying for 72 h, not for a few ticks."""
        if self.database is None or self.database.server is None or stop.wait(self.profile.seconds / 2):
            return
        try:
            with self.acting, self.lock:
                self.db_restart = chaos_database.restart_with_probes(
                    self.stack, self.database, self.rng, down_for=self.profile.db_down
                )
        except BaseException as error:  # the replicas did not come back by themselves: the finding
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
        self.load.append(os.getloadavg()[0])
        if self.rng.random() < 0.05:
            self.stack.rb_faults(fail_next=self.rng.randint(1, 4), fail_status=self.rng.choice([502, 503]))
            self.count("rebound_503_burst")
        if self.database is not None and self.rng.random() < 0.1:
            count = self.rng.randint(1, 3)
            answers = await anyio.to_thread.run_sync(
                chaos_database.resend_stored, self.stack, self.database.url, self.rng, count
            )
            self.resent.update(answers)
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
                threading.Thread(target=self.database_restart, args=(stop,), daemon=True),
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
                # Kills still owed land while the daemon works off the backlog; so does the database
                # restart of a day that ended early.
                await anyio.to_thread.run_sync(threads[0].join, p.seconds * 2 + 120)
                await anyio.to_thread.run_sync(threads[2].join, p.seconds + 180)
            finally:
                stop.set()
                for thread in threads:
                    await anyio.to_thread.run_sync(thread.join, 60)
            if self.failure is not None:
                raise RuntimeError(
                    f"the daemon did not come back (after kill {self.kills}, database restart "
                    f"{'done' if self.db_restart else 'not done'})"
                ) from self.failure
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
        figures: dict[str, Any] = {
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
        if self.load:
            figures["load_average_1min"] = {"min": min(self.load), "max": max(self.load)}
        if self.database is not None:
            figures |= chaos_database.figures(self.stack, self.database, self.db_restart, self.resent)
            if self.resent.get("202"):  # a stored webhook taken as new: stored twice
                figures["duplicates_found"] += self.resent["202"]
                figures["problems"].append(f"{self.resent['202']} re-sent webhooks stored again (202)")
        return figures


def run(
    profile_name: str,
    seed: int,
    workdir: Path | None = None,
    *,
    secrets: Secrets | None = None,
    env: dict[str, str] | None = None,
    before_stop: Callable[[Stack], None] | None = None,
    store: str = "sqlite",
    replicas: int = 1,
    pg_url: str | None = None,
    database: Database | None = None,
) -> dict[str, Any]:
    """One chaos day; `before_stop` may look at the stack (admin API, files) before it is stopped. On
    PostgreSQL: the database at `pg_url`, or `database` (its server is restarted mid-day), or a server
    of the run's own."""
    profile = PROFILES[profile_name]
    with (
        tempfile.TemporaryDirectory(prefix="backflow-chaos-") as tmp,
        chaos_database.chosen(store, pg_url, database) as db,
    ):
        stack = bench_stack(
            workdir or Path(tmp),
            secrets=secrets,
            env={
                "BACKFLOW_LEASE_SECONDS": "2",
                "BACKFLOW_POLL_SECONDS": "0.5",
                "BACKFLOW_LOG_LEVEL": "WARNING",
            }
            | (env or {}),
            db_url=db.url if db else None,
            replicas=replicas,
        )
        try:
            figures = Chaos(stack, profile, random.Random(seed), db).run()
            if before_stop is not None:
                before_stop(stack)
        finally:
            stack.stop()
    figures = {"profile": profile_name, "store": store, "seed": seed, **figures}
    figures.pop("duplicates", None)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a smaller day, 10 kills")
    size.add_argument("--short", action="store_true", help="the make-test size: a small day, 5 kills")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--keep", type=Path, default=None, help="keep the processes' files in this directory")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--replicas", type=int, default=1, help="daemons on one database (postgresql only)")
    parser.add_argument(
        "--pg-url", default=None, help="an empty PostgreSQL database instead of a server of our own"
    )
    args = parser.parse_args()
    if args.replicas > 1 and args.store != "postgresql":
        sys.exit(f"bench/chaos.py: --replicas {args.replicas} needs --store postgresql (one SQLite writer)")
    if args.pg_url and args.store != "postgresql":
        sys.exit("bench/chaos.py: --pg-url needs --store postgresql")
    profile = "short" if args.short else "quick" if args.quick else "full"
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    figures = run(profile, args.seed, args.keep, store=args.store, replicas=args.replicas, pg_url=args.pg_url)
    if profile != "short":
        flags = " --quick" if args.quick else ""
        if args.store == "postgresql":
            flags += f" --store postgresql --replicas {args.replicas}" + (
                " --pg-url …" if args.pg_url else ""
            )
        write_report(figures, f".venv/bin/python bench/chaos.py{flags} --seed {args.seed}")
    print(json.dumps(figures))
    if chaos_database.failed(figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
