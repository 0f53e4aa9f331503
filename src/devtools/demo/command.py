"""What `backflow demo` runs once its arguments are parsed (app.entrypoints.cli.demo imports this lazily)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import anyio

from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.demo.run import DemoOptions, how_to_explore, run_demo, stop_demo


def run_demo_command(args: argparse.Namespace, say: Callable[..., None]) -> int:
    """`--stop`, or the whole demo: exit 0 when the day settled and commercetools agrees with it."""
    if args.stop:
        for line in stop_demo(args.var):
            say(line)
        return 0
    plan = DayPlan(orders=args.orders, returns=args.returns, seed=args.seed, drive_seconds=args.drive_seconds)
    options = DemoOptions(var=args.var, plan=plan, time_budget=args.time_budget, keep=args.keep)
    result = anyio.run(run_demo, options, say, backend="asyncio")
    say(result.summary)
    if result.report is not None:
        say(f"\nReconciliation report for the day (open it in a browser): {result.report}")
    if args.keep:
        say(how_to_explore(args.var))
    return 0 if result.settled and not result.disagreements else 1
