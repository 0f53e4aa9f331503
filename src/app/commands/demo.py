"""`backflow demo`: the name is reserved for the busy-day demo that lands with the integration."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands.common import say


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="(reserved) the busy-day demo against both simulators",
        description="Reserved: the demo is added when the flows and the runtime are integrated; "
        "until then use `make demo` once it exists.",
    )
    parser.set_defaults(handler=main)


def main(_: argparse.Namespace) -> int:
    say("backflow demo is not part of this build yet (it comes with the integration).", error=True)
    return 2
