"""`backflow`: the command line. Each subcommand lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from backflow.app.entrypoints.cli import (
    backup,
    check_config,
    demo,
    exceptions,
    inbox,
    one_shot,
    report,
    run,
    sim,
    store,
    tui,
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backflow",
        description="Backflow connects a commercetools project with the ReBound returns platform.",
    )
    parser.add_argument("--version", action="version", version="backflow 0.1.0")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (run, sim, check_config, one_shot, exceptions, inbox, report, store, backup, demo, tui):
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
