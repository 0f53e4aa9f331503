"""`backflow demo`: set up var/, start both simulators and the daemon, drive the busy day, summarise,
and leave everything running for the TUI (or stop it all with `keep=False`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import anyio

from backflow.devtools.busy_day.catalog import LATE
from backflow.devtools.busy_day.driver import Driver
from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.demo.report import write_reconciliation
from backflow.devtools.demo.summary import Deliveries, Figures, collect, render
from backflow.devtools.demo.verify import InCommercetools, read_commercetools
from backflow.devtools.shop import SUPPLY_CHANNEL
from backflow.devtools.stack import processes
from backflow.devtools.stack.http import JsonApi
from backflow.devtools.stack.launcher import Stack, demo_stack
from backflow.devtools.stack.layout import Endpoints, Layout
from backflow.devtools.stack.processes import StartError

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


async def run_demo(options: DemoOptions, say: Callable[[str], None]) -> DemoResult:
    began = time.monotonic()
    layout = Layout(options.var)
    for line in processes.stop_recorded(layout.pids):
        say(f"previous demo: {line}")
    stack: Stack | None = None
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
            stack = demo_stack(options.var, orphan_horizon=options.orphan_horizon)
            try:
                await anyio.to_thread.run_sync(stack.start)
                break
            except StartError as failed:
                if attempt == START_ATTEMPTS:
                    raise
                say(f"start-up failed ({failed}); trying again on other ports")
        assert stack is not None
        say(f"simulators and daemon up in {time.monotonic() - began:.1f}s (logs in {layout.var}/*.log)")
        async with aiohttp.ClientSession() as http:
            result = await _day(http, stack, options, began, say)
        result.report = await write_reconciliation(layout, stack.child_env())
    except BaseException:
        if stack is not None:
            stack.stop()
        layout.pids.unlink(missing_ok=True)
        raise
    if not options.keep:
        stack.stop()
        layout.pids.unlink(missing_ok=True)
    return result


async def _day(
    http: aiohttp.ClientSession,
    stack: Stack,
    options: DemoOptions,
    began: float,
    say: Callable[[str], None],
) -> DemoResult:
    plan = options.plan
    deadline = began + options.time_budget
    driver = Driver.for_stack(http, stack, plan)
    ct, rebound = driver.ct, driver.rebound
    await driver.seed_shop()
    late = driver.drafts(plan.late_orders, "LATE-", mix=LATE)
    regular = driver.drafts(plan.orders - plan.late_orders, "CT-")
    first, later = regular[: len(regular) * 3 // 5], regular[len(regular) * 3 // 5 :]
    await driver.checkout(first, rate=plan.checkout_rate)  # live checkouts: the daemon is running
    # ReBound draws the day's returns from the orders it holds when it books: all of the opening's,
    # so a seed draws the same returns whatever the machine's load (the feed's last orders are <1 s old).
    await driver.wait_in_rebound(len(first), within=max(5.0, deadline - time.monotonic()))
    say(f"{driver.log.seeded_orders:,} orders placed; booking {plan.returns} returns over the day")
    await driver.book_before_order_exists(late)
    await driver.configure_returns()
    await driver.drive(later, late)
    say(f"the day is delivered after {time.monotonic() - began:.1f}s; waiting for the work to settle")
    settled = await driver.settle(
        deadline=deadline - 10.0, quiet_after=time.monotonic() + options.orphan_horizon + 4.0
    )
    return_ids, deliveries = await _rebound_log(rebound)
    figures = await collect(driver.admin, return_ids, SUPPLY_CHANNEL)
    truth = read_commercetools(await ct.get("/_sim/state"))
    problems = truth.agrees_with(figures)
    elapsed = time.monotonic() - began
    summary = render(
        figures, driver.log, deliveries, checked=_checked(truth, problems), settled=settled, elapsed=elapsed
    )
    return DemoResult(figures, truth, problems, summary, settled, elapsed, stack.ends)


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
