"""Keeping a WAL database writable on a small disk, and bringing it back after the disk filled up.

In WAL mode new pages go to the `-wal` file and reach the database file at a checkpoint, which
SQLite runs by itself once the WAL holds 1,000 pages (4 MB). On a disk smaller than that the WAL can
fill it before any checkpoint: every write then fails with SQLITE_FULL, and space an operator frees
is eaten by the WAL again. A checkpoint needs free space for the pages it copies, so:

- after every committed batch, when the volume's free space falls under twice the WAL file's size,
  the WAL is checkpointed and truncated while there is still room (`guard`);
- after a write fails with SQLITE_FULL, and before every batch while that lasts, the WAL is
  checkpointed (TRUNCATE) and the write retried, so that freeing space is enough to recover.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

GUARD_FACTOR = 2
"""Checkpoint early when free space < GUARD_FACTOR x the WAL file (a checkpoint may need its size)."""


def is_disk_full(error: BaseException) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF == sqlite3.SQLITE_FULL
    )


def checkpoint(conn: sqlite3.Connection) -> bool:
    """Copy the WAL into the database and truncate it to zero bytes; True when that completed."""
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error:  # SQLITE_FULL: no room yet for the pages the checkpoint copies
        return False
    return int(busy) == 0


class WalGuard:
    """Checkpoints early when the WAL file could no longer be checkpointed into the space left."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.wal: Path | None = None
        for _, name, filename in conn.execute("PRAGMA database_list").fetchall():
            if name == "main" and filename:
                self.wal = Path(f"{filename}-wal")

    def check(self, conn: sqlite3.Connection) -> None:
        if self.wal is None:
            return
        try:
            size = self.wal.stat().st_size
            disk = os.statvfs(self.wal.parent)
        except OSError:
            return
        if size and disk.f_bavail * disk.f_frsize < GUARD_FACTOR * size:
            checkpoint(conn)
