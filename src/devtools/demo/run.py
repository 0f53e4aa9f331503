"""`backflow demo`: set up var/, start both simulators and the daemon, drive the busy day, summarise,
and leave everything running for the TUI (or stop it all with `keep=False`)."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from devtools.demo import processes
from devtools.demo.api import JsonApi
from devtools.demo.layout import (
    SUPPLY_CHANNEL,
    Endpoints,
    Layout,
    config_toml,
    daemon_env,
    env_file_text,
)
from devtools.demo.report import write_reconciliation
from devtools.demo.scenario import DayPlan, Driver
from devtools.demo.summary import Deliveries, Figures, collect, render
from devtools.demo.verify import InCommercetools, read_commercetools

START_SECONDS = 30.0
START_ATTEMPTS = 2
ORPHAN_HORIZON = 15


@dataclass(frozen=True)
class DemoOptions:
    var: Path = Path("var")
    plan: DayPlan = field(default_factory=DayPlan)
    time_budget: float = 170.0
    keep: bool = True
    orphan_horizon: int = ORPHAN_HORIZON
    """Seconds before a return whose order never came is an orphan; the demo waits this long at the end."""


@dataclass
class DemoResult:
    figures: Figures
    commercetools: InCommercetools
    disagreements: list[str]
    summary: str
    settled: bool
    elapsed: float
    endpoints: Endpoints
    report: Path | None = None
    """The day's reconciliation report (HTML), as finance would run it."""


def prepare(layout: Layout, ends: Endpoints, *, orphan_horizon: int = ORPHAN_HORIZON) -> dict[str, str]:
    """A fresh var/: no old database, a new TOML file and env file."""
    layout.var.mkdir(parents=True, exist_ok=True)
    for stale in layout.var.glob(f"{layout.db.name}*"):  # the database and its -wal/-shm files
        stale.unlink()
    layout.config.write_text(config_toml(orphan_horizon_seconds=orphan_horizon))
    env = daemon_env(layout, ends)
    layout.env_file.write_text(env_file_text(env))
    return env


def start_all(layout: Layout, ends: Endpoints, env: dict[str, str]) -> list[processes.Child]:
    base = {**os.environ, **env}
    children = [
        processes.spawn(
            "commercetools-sim",
            [
                "sim",
                "commercetools",
                "--port",
                str(ends.ct_port),
                "--project-key",
                env["CTP_PROJECT_KEY"],
                "--client-id",
                env["CTP_CLIENT_ID"],
                "--client-secret",
                env["CTP_CLIENT_SECRET"],
                "--push-url",
                f"{ends.daemon}/events/commercetools",
            ],
            base,
            layout.log("commercetools-sim"),
        ),
        processes.spawn(
            "rebound-sim",
            [
                "sim",
                "rebound",
                "--port",
                str(ends.rb_port),
                "--webhook-secret",
                ends.webhook_secret,
                "--webhook-url",
                f"{ends.daemon}/webhooks/rebound",
            ],
            base,
            layout.log("rebound-sim"),
        ),
    ]
    processes.record(layout.pids, children)
    return children


async def run_demo(options: DemoOptions, say: Callable[[str], None]) -> DemoResult:
    began = time.monotonic()
    layout = Layout(options.var)
    said = processes.stop_recorded(layout.pids)
    for line in said:
        say(f"previous demo: {line}")
    children: list[processes.Child] = []
    try:
        async with aiohttp.ClientSession() as http:
            for attempt in range(1, START_ATTEMPTS + 1):
                ends = Endpoints.allocate()
                env = prepare(layout, ends, orphan_horizon=options.orphan_horizon)
                try:
                    children = await start(http, layout, ends, env)
                    break
                except processes.StartError as failed:
                    if attempt == START_ATTEMPTS:
                        raise
                    say(f"start-up failed ({failed}); trying again on other ports")
            say(f"simulators and daemon up in {time.monotonic() - began:.1f}s (logs in {layout.var}/*.log)")
            result = await _day(http, ends, options, began, say)
        result.report = await write_reconciliation(layout, env)
    except BaseException:
        processes.stop(children)
        layout.pids.unlink(missing_ok=True)
        raise
    if not options.keep:
        processes.stop(children)
        layout.pids.unlink(missing_ok=True)
    return result


async def start(
    http: aiohttp.ClientSession,
    layout: Layout,
    ends: Endpoints,
    env: dict[str, str],
    daemon_args: tuple[str, ...] = ("run",),
) -> list[processes.Child]:
    """Both simulators, then the daemon (it reaches both at start-up), each until it answers."""
    children = start_all(layout, ends, env)
    try:
        await processes.wait_ready(
            http, f"{ends.commercetools}/_sim/stats", children[0], within=START_SECONDS
        )
        await processes.wait_ready(http, f"{ends.rebound}/_sim/state", children[1], within=START_SECONDS)
        children.append(await start_daemon(http, layout, ends, env, daemon_args))
        processes.record(layout.pids, children)
    except BaseException as failed:
        states = [(c.name, processes.alive(c.pid), processes.EXITED.get(c.pid)) for c in children]
        processes.stop(children)
        raise processes.StartError(f"{failed}; children: {states}") from failed
    return children


async def _day(
    http: aiohttp.ClientSession,
    ends: Endpoints,
    options: DemoOptions,
    began: float,
    say: Callable[[str], None],
) -> DemoResult:
    ct, rebound = JsonApi(http, ends.commercetools), JsonApi(http, ends.rebound)
    admin = JsonApi(http, ends.daemon, ends.admin_token)
    plan = options.plan
    deadline = began + options.time_budget
    driver = Driver(ct, rebound, admin, plan)
    await driver.seed_shop()
    late = driver.drafts(plan.late_orders, "LATE-", late=True)
    regular = driver.drafts(plan.orders - plan.late_orders, "CT-")
    first, later = regular[: len(regular) * 3 // 5], regular[len(regular) * 3 // 5 :]
    await driver.seed_orders(first)
    await driver.wait_synced(len(first) // 2, within=max(5.0, deadline - time.monotonic()))
    say(f"{driver.log.seeded_orders:,} orders placed; booking {plan.returns} returns over the day")
    await driver.book_before_order_exists(late)
    await driver.configure_returns()
    await driver.drive(later, late)
    say(f"the day is delivered after {time.monotonic() - began:.1f}s; waiting for the work to settle")
    settled = await driver.settle(
        deadline=deadline - 10.0, quiet_after=time.monotonic() + options.orphan_horizon + 4.0
    )
    return_ids, deliveries = await _rebound_log(rebound)
    figures = await collect(admin, return_ids, SUPPLY_CHANNEL)
    truth = read_commercetools(await ct.get("/_sim/state"))
    problems = truth.agrees_with(figures)
    elapsed = time.monotonic() - began
    summary = render(
        figures, driver.log, deliveries, checked=_checked(truth, problems), settled=settled, elapsed=elapsed
    )
    return DemoResult(figures, truth, problems, summary, settled, elapsed, ends)


def _checked(truth: InCommercetools, problems: list[str]) -> list[str]:
    if problems:
        return [f"CHECK      commercetools disagrees: {problem}" for problem in problems]
    return [
        f"Checked    in commercetools itself: {truth.refund_transactions} refund transactions, each "
        f"interactionId once; stock up by exactly the {truth.units_added} units restocked"
    ]


async def _rebound_log(rebound: JsonApi) -> tuple[list[str], Deliveries]:
    """Which returns ReBound sent, and how the daemon answered each delivery."""
    log = await rebound.get("/_sim/deliveries")
    attempts = log["attempts"]
    return_ids = sorted({a["return_id"] for a in attempts})
    statuses = Counter(a["http_status"] for a in attempts)
    return return_ids, Deliveries(
        events=len(log["delivered"]), attempts=len(attempts), duplicates_answered=statuses[200]
    )


async def start_daemon(
    http: aiohttp.ClientSession,
    layout: Layout,
    ends: Endpoints,
    env: dict[str, str],
    args: tuple[str, ...] = ("run",),
) -> processes.Child:
    daemon = processes.spawn("daemon", list(args), {**os.environ, **env}, layout.log("daemon"))
    await processes.wait_ready(http, f"{ends.daemon}/readyz", daemon, within=START_SECONDS)
    return daemon


def stop_demo(var: Path) -> list[str]:
    return processes.stop_recorded(Layout(var).pids) or ["no demo processes were running"]


def how_to_explore(var: Path) -> str:
    env = Layout(var).env_file
    return (
        "\nThe daemon and both simulators are still running on 127.0.0.1 with this data.\n"
        f"  Explore it:  .venv/bin/backflow tui --env-file {env}\n"
        f'  Or by hand:  set -a; . {env}; set +a; curl -H "Authorization: Bearer $BACKFLOW_ADMIN_TOKEN" '
        "http://$BACKFLOW_HTTP_HOST:$BACKFLOW_HTTP_PORT/api/overview\n"
        "  Stop it:     make demo-stop   (= .venv/bin/backflow demo --stop)"
    )
