"""`backflow backup PATH` and `backflow restore PATH`: the SQLite database, copied online and back.

`backup` runs beside a working daemon (SQLite's backup API copies a consistent state); its recovery
point is the moment it ran. `restore` refuses while a daemon holds the database's lease, and checks
the backup's integrity and schema version before replacing anything. PostgreSQL: the server's tools.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from backflow.app.bootstrap.stores import backup_database, restore_database
from backflow.app.core.settings import ConfigError
from backflow.app.entrypoints.cli.common import load_settings, say


def register(subparsers: Any) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="copy the SQLite database (BACKFLOW_DB) to PATH while the daemon runs",
        description="An online, consistent copy of BACKFLOW_DB through SQLite's backup API.",
    )
    backup.add_argument("path", type=Path, metavar="PATH")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    backup.set_defaults(handler=backup_main)
    restore = subparsers.add_parser(
        "restore",
        help="replace the SQLite database (BACKFLOW_DB) with the backup at PATH",
        description="Stop every `backflow run` on BACKFLOW_DB first: restore refuses while one holds "
        "the database. The backup must pass PRAGMA integrity_check and be at a schema version this "
        "release knows (an older one is migrated on the next start).",
    )
    restore.add_argument("path", type=Path, metavar="PATH")
    restore.set_defaults(handler=restore_main)


def backup_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    try:
        pages = backup_database(settings, args.path, force=args.force)
    except ConfigError as exc:
        say(f"backflow: backup: {exc}", error=True)
        return 1
    say(f"backed up {settings.db_path} to {args.path} ({pages} pages); its recovery point is now")
    return 0


def restore_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    try:
        version = restore_database(settings, args.path)
    except ConfigError as exc:
        say(f"backflow: restore: {exc}", error=True)
        return 1
    say(f"restored {settings.db_path} from {args.path} (schema version {version}); start `backflow run`")
    return 0
