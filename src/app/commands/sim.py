"""`backflow sim commercetools|rebound [options]`: a simulator on 127.0.0.1 (options: `--help`)."""

from __future__ import annotations

import argparse
from typing import Any

from app.bootstrap.simulators import SIMULATORS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run a simulator of commercetools or ReBound",
        description="Run a simulator on 127.0.0.1. Everything after the name goes to the simulator: "
        "`backflow sim rebound --help` lists its options.",
    )
    parser.add_argument("name", choices=sorted(SIMULATORS), help="which platform to simulate")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the simulator's own options")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    return SIMULATORS[args.name](list(args.options))
