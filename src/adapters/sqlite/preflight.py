"""Can this path be Backflow's database? Checked before opening, so that the answer names the path and
what is wrong with it (`unable to open database file` names neither).

The path must be a file that exists and can be opened for writing, or that can be created (its
nearest existing ancestor a writable directory; missing folders are created on start). An existing
file must be a SQLite database at a schema version this release knows (older ones are migrated on
start). Nothing is created or written here.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from backflow.adapters.sqlite.sql import latest_version


@dataclass(frozen=True)
class DatabaseCheck:
    ok: bool
    message: str


def check_database(path: Path) -> DatabaseCheck:
    if path.is_dir():
        return DatabaseCheck(False, f"{path} is a directory, not a database file")
    if not path.exists():
        return _creatable(path)
    if not path.is_file():
        return DatabaseCheck(False, f"{path} is not a regular file")
    if not os.access(path, os.R_OK | os.W_OK):
        return DatabaseCheck(False, f"{path} cannot be opened for writing (permissions or a read-only disk)")
    try:
        version = _schema_version(path)
    except sqlite3.DatabaseError as exc:
        return DatabaseCheck(False, f"{path} is not a usable SQLite database ({exc})")
    latest = latest_version()
    if version > latest:
        return DatabaseCheck(
            False, f"{path} is at schema version {version}, newer than this release knows ({latest})"
        )
    if version == 0:
        return DatabaseCheck(True, f"{path}: an empty database, set up on start")
    if version < latest:
        return DatabaseCheck(True, f"{path}: schema version {version}, migrated to {latest} on start")
    return DatabaseCheck(True, f"{path}: schema version {version}, current")


def _creatable(path: Path) -> DatabaseCheck:
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return DatabaseCheck(False, f"cannot create {path}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return DatabaseCheck(
            False, f"cannot create {path}: {ancestor} is not writable (permissions or a read-only disk)"
        )
    return DatabaseCheck(True, f"{path}: does not exist yet, created on start")


def _schema_version(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2.0)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
