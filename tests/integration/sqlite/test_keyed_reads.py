"""Key lookups on the event loop's own connection: the same rows as the pool, every committed write
seen at once, and the pool whenever the inline connection cannot serve (another thread, a lock)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import anyio.to_thread
import pytest

from backflow.adapters.sqlite.readers import ReaderPool

pytestmark = pytest.mark.anyio

LOOKUP = "SELECT id, body FROM items WHERE id = :id"


def _database(path: Path, journal_mode: str = "WAL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE items (id TEXT PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO items VALUES ('a', 'first')")
    return conn


async def test_a_keyed_read_returns_what_the_pool_returns_and_sees_each_commit_at_once(
    tmp_path: Path,
) -> None:
    writer = _database(tmp_path / "db.sqlite")
    pool = await ReaderPool.open(tmp_path / "db.sqlite", 1)
    try:
        with anyio.fail_after(10):
            inline = await pool.fetchone_keyed(LOOKUP, {"id": "a"})
            pooled = await pool.fetchone(LOOKUP, {"id": "a"})
            assert inline is not None and pooled is not None
            assert tuple(inline) == tuple(pooled) == ("a", "first")
            writer.execute("UPDATE items SET body = 'second' WHERE id = 'a'")  # committed (autocommit)
            again = await pool.fetchone_keyed(LOOKUP, {"id": "a"})
            assert again is not None and again["body"] == "second"  # no snapshot held between reads
            assert await pool.fetchone_keyed(LOOKUP, {"id": "missing"}) is None
            with pytest.raises(sqlite3.OperationalError, match="no such table"):
                await pool.fetchall_keyed(
                    "SELECT * FROM absent_table", {}
                )  # a real error is raised, not hidden
    finally:
        await pool.close()
        writer.close()


async def test_a_keyed_read_from_another_thread_goes_to_the_pool(tmp_path: Path) -> None:
    writer = _database(tmp_path / "db.sqlite")
    pool = await ReaderPool.open(tmp_path / "db.sqlite", 1)
    try:
        with anyio.fail_after(10):
            # Another thread (its own event loop): the loop's connection is not used from there.
            row = await anyio.to_thread.run_sync(
                lambda: anyio.run(pool.fetchone_keyed, LOOKUP, {"id": "a"})  # type: ignore[arg-type]
            )
            assert row is not None and row["body"] == "first"
    finally:
        await pool.close()
        writer.close()


async def test_a_keyed_read_on_a_locked_database_waits_in_the_pool_not_on_the_loop(tmp_path: Path) -> None:
    """A reader in WAL mode is not blocked by writers; with a rollback journal (here, to have a lock to
    meet) the inline connection, which never waits, is refused at once and the pool's connection waits
    for the lock with its busy timeout, off the event loop."""
    writer = _database(tmp_path / "db.sqlite", journal_mode="DELETE")
    pool = await ReaderPool.open(tmp_path / "db.sqlite", 1)
    try:
        with anyio.fail_after(10):
            writer.execute("BEGIN EXCLUSIVE")
            writer.execute("UPDATE items SET body = 'locked' WHERE id = 'a'")
            ticks = 0

            async def release() -> None:
                nonlocal ticks
                for _ in range(10):  # the loop keeps running while the read waits
                    await anyio.sleep(0.02)
                    ticks += 1
                writer.execute("COMMIT")

            async with anyio.create_task_group() as tg:
                tg.start_soon(release)
                row = await pool.fetchone_keyed(LOOKUP, {"id": "a"})
            assert row is not None and row["body"] == "locked"
            assert ticks == 10
    finally:
        await pool.close()
        writer.close()
