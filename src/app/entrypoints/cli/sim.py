"""`backflow sim commercetools|rebound [options]`: a simulator on 127.0.0.1 (options: `--help`)."""

from __future__ import annotations

import argparse
from typing import Any

SIMULATOR_NAMES = ("commercetools", "rebound")
"""The keys of `devtools.simulators.SIMULATORS`, listed here so that parsing loads no simulator."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run a simulator of commercetools or ReBound",
        description="Run a simulator on 127.0.0.1. Everything after the name goes to the simulator: "
        "`backflow sim rebound --help` lists its options.",
    )
    parser.add_argument("name", choices=SIMULATOR_NAMES, help="which platform to simulate")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the simulator's own options")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    # Lazily: the simulators are development tooling that `backflow run` must never load.
    from backflow.devtools.simulators import run_simulator

    return run_simulator(args.name, list(args.options))
