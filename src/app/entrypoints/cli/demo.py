"""`backflow demo [--orders N --returns N --time-budget S --no-keep] | --stop`: the busy-day demo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from backflow.app.entrypoints.cli.common import say


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="a busy day against both simulators, then a summary",
        description="Start both simulators and the daemon on 127.0.0.1 (state under --var), drive a "
        "compressed busy day with the design's failure cases, print a summary, and leave everything "
        "running for the TUI (`--no-keep` stops it; `--stop` stops a running demo).",
    )
    parser.add_argument("--var", type=Path, default=Path("var"), help="where the demo's files go (var)")
    parser.add_argument("--orders", type=int, default=2000, help="orders placed (2000)")
    parser.add_argument("--returns", type=int, default=600, help="returns booked (600)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the shop and the day (7)")
    parser.add_argument(
        "--time-budget", type=float, default=170.0, help="seconds the whole demo may take (170)"
    )
    parser.add_argument(
        "--drive-seconds", type=float, default=45.0, help="real seconds over which the day's events go out"
    )
    parser.add_argument("--no-keep", dest="keep", action="store_false", help="stop everything at the end")
    parser.add_argument("--stop", action="store_true", help="stop the demo recorded in VAR/demo.pids")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    if not args.stop and (args.orders < 10 or args.returns < 1):
        say("backflow demo: --orders must be at least 10 and --returns at least 1", error=True)
        return 2
    # Lazily: the demo (and the simulators it starts) is development tooling `backflow run` never loads.
    from backflow.devtools.demo.command import run_demo_command

    return run_demo_command(args, say)
