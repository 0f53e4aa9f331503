"""`backflow store copy SQLITE_PATH POSTGRESQL_URL`: move a stopped SQLite store to PostgreSQL.

The target database must be empty (its schema is created if missing); the copy is one transaction,
checked by counting every table's rows on both sides, and undone if any count differs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import anyio

from backflow.app.bootstrap.stores import copy_sqlite_store
from backflow.app.core.settings import ConfigError, redact_db_url
from backflow.app.entrypoints.cli.common import say


def register(subparsers: Any) -> None:
    store = subparsers.add_parser("store", help="move the store between databases", description=__doc__)
    actions = store.add_subparsers(dest="store_action", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy",
        help="copy a stopped SQLite database into an empty PostgreSQL one",
        description="Stop Backflow first; then point BACKFLOW_DB at the PostgreSQL URL and start it.",
    )
    copy.add_argument("source", type=Path, metavar="SQLITE_PATH")
    copy.add_argument("target", metavar="POSTGRESQL_URL")
    copy.set_defaults(handler=copy_main)


def copy_main(args: argparse.Namespace) -> int:
    try:
        counts = anyio.run(copy_sqlite_store, args.source, args.target, backend="asyncio")
    except (ConfigError, ValueError, OSError, RuntimeError) as exc:
        say(f"backflow: store copy: {exc}", error=True)
        return 1
    for table, rows in counts.items():
        say(f"{table:<24} {rows:>10}")
    say(
        f"copied {sum(counts.values())} rows of {len(counts)} tables from {args.source} "
        f"to {redact_db_url(args.target)}; the row counts of both agree"
    )
    return 0
