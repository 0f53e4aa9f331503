"""Online copies of the SQLite database: `backflow backup`, `backflow restore`, and the snapshot taken
before a schema migration. All go through SQLite's backup API, which copies a consistent state of the
database (WAL included) while the daemon keeps writing, unlike a file copy of the three files.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from backflow.adapters.sqlite.instance_lease import read_lease
from backflow.adapters.sqlite.sql import latest_version

PAGES_PER_STEP = 1024
"""Pages copied per step; between steps the daemon's writer gets the database back."""
SNAPSHOTS_KEPT = 3
"""Pre-migration snapshots kept next to the database; older ones are deleted."""


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message is the one line to show."""


def backup(source: Path, target: Path, *, force: bool = False) -> int:
    """Copy the live database `source` to `target` (a new file unless `force`); returns its pages."""
    if not source.is_file():
        raise BackupError(f"no database at {source} (BACKFLOW_DB)")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to replace it")
    if target.is_dir():
        raise BackupError(f"{target} is a directory")
    partial = target.with_name(f".{target.name}.partial")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        pages = copy_into(src, partial)
    finally:
        src.close()
    os.replace(partial, target)  # the backup appears whole or not at all
    return pages


def copy_into(src: sqlite3.Connection, target: Path) -> int:
    target.unlink(missing_ok=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=PAGES_PER_STEP, sleep=0.005)
        # One self-contained file: no WAL beside the copy.
        dst.execute("PRAGMA journal_mode = DELETE")
        return int(dst.execute("PRAGMA page_count").fetchone()[0])
    finally:
        dst.close()


def check_restorable(path: Path) -> int:
    """The schema version of a backup that passes `PRAGMA integrity_check` and that this release knows."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from exc
    if problems != ["ok"]:
        raise BackupError(f"{path} fails the integrity check: {'; '.join(problems[:3])}")
    if version == 0:
        raise BackupError(f"{path} is not a Backflow database (schema version 0)")
    if version > latest_version():
        raise BackupError(
            f"{path} is at schema version {version}, newer than this release ({latest_version()})"
        )
    return version


def restore(backup_path: Path, database: Path) -> int:
    """Replace `database` with a checked backup, unless a daemon holds its lease; returns the version."""
    version = check_restorable(backup_path)
    database.parent.mkdir(parents=True, exist_ok=True)
    dst = sqlite3.connect(database, timeout=10)
    try:
        lease = read_lease(dst) if database.stat().st_size else None
        if lease is not None and lease.until > datetime.now(UTC):
            raise BackupError(
                f"a daemon holds {database} ({lease.holder}, lease until {lease.until:%Y-%m-%dT%H:%M:%SZ}); "
                "stop every `backflow run` on it first"
            )
        src = sqlite3.connect(f"{backup_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
        finally:
            src.close()
        # The backup's lease belongs to the daemon that ran then; the next start takes it at once.
        if read_lease(dst) is not None:
            dst.execute("DELETE FROM instance_lease")
            dst.commit()
    finally:
        dst.close()
    return version


def snapshot_before_migration(conn: sqlite3.Connection, database: Path, current: int, target: int) -> Path:
    """Copy the database (still at `current`) next to itself before migrating it to `target`, and keep
    only the newest SNAPSHOTS_KEPT such snapshots."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
    path = database.with_name(f"{database.name}.pre-v{target:04d}-from-v{current:04d}-{stamp}.snapshot")
    copy_into(conn, path)
    older = sorted(database.parent.glob(f"{database.name}.pre-v*.snapshot"), key=lambda p: p.stat().st_mtime)
    for stale in older[:-SNAPSHOTS_KEPT]:
        stale.unlink(missing_ok=True)
    return path
