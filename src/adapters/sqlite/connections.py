"""Opening the database: one writer connection (migrates the schema) and read-only readers.

The writer is a plain sqlite3 connection driven from one worker thread by the group-commit writer:
a whole batch runs in a single thread hop. Through aiosqlite every statement would be its own hop,
and a batch of N appends costs ~4N of them. Readers are aiosqlite connections.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import aiosqlite

from backflow.adapters.sqlite.backup import snapshot_before_migration
from backflow.adapters.sqlite.sql import latest_version, migrations, schema

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 10_000


def open_writer(path: Path) -> sqlite3.Connection:
    """The one connection that writes: WAL, synchronous=FULL, explicit transactions, schema migrated."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=256)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        raise RuntimeError(f"could not switch {path} to WAL (got {mode!r})")
    # FULL syncs the WAL on every commit: an acknowledged write survives power loss, not only a crash.
    # Group commit pays one fsync per batch, which keeps that affordable.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn, snapshot_of=path)
    return conn


def migrate(conn: sqlite3.Connection, *, snapshot_of: Path | None = None) -> int:
    """Bring the database to the latest version; returns the version it was at. With `snapshot_of`
    (the database's path), a database with data is first copied next to itself (`backup`)."""
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    target = latest_version()
    if current > target:
        raise RuntimeError(f"database is at version {current}, newer than this code ({target})")
    if current == target:
        return current
    if current > 0 and snapshot_of is not None:
        saved = snapshot_before_migration(conn, snapshot_of, current, target)
        log.warning("snapshot taken before the schema migration", extra={"path": str(saved), "from": current})
    # One transaction for the whole upgrade: a crash mid-way leaves the old version intact.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if current == 0:
            _run_script(conn, schema())
        else:
            for _, sql in migrations()[current:]:
                _run_script(conn, sql)
        conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # executescript() would COMMIT first; run statement by statement to stay in our transaction.
    for statement in split_statements(script):
        conn.execute(statement)


def split_statements(script: str) -> list[str]:
    """Split a script on complete statements (sqlite3.complete_statement knows about quotes)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]!r}")
    return statements


def open_inline_reader(path: Path) -> sqlite3.Connection:
    """A connection that cannot write, for the event loop's own key lookups (`readers.ReaderPool`):
    it never waits for a lock (busy_timeout 0: a busy database sends the read to the pool instead)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 0")
    conn.execute("PRAGMA query_only = ON")
    return conn


async def open_reader(path: Path) -> aiosqlite.Connection:
    """A connection that cannot write (query_only), for repositories' reads and the monitor."""
    conn = await aiosqlite.connect(path)
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA query_only = ON")
    return conn
