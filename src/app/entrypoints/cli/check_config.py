"""`backflow check-config`: validate the environment and TOML file, and reach both APIs."""

from __future__ import annotations

import argparse
from typing import Any

import anyio

from backflow.app.bootstrap.checks import check_config
from backflow.app.entrypoints.cli.common import say


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-config",
        help="validate the configuration and reach both APIs",
        description="Check BACKFLOW_*, CTP_* and REBOUND_* settings and the TOML file, the database at "
        "BACKFLOW_DB (a file that can be created or opened for writing, at a schema version this release "
        "knows; nothing is created), then fetch a token and make one read against commercetools and "
        "ReBound. Exit status 1 if anything fails.",
    )
    parser.set_defaults(handler=main)


def main(_: argparse.Namespace) -> int:
    checks = anyio.run(check_config, backend="asyncio")
    for check in checks:
        say(check.line())
    failed = [c for c in checks if not c.ok]
    say("configuration OK" if not failed else f"{len(failed)} check(s) failed")
    return 1 if failed else 0
