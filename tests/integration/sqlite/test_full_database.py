"""A full database without a small disk: SQLite's `max_page_count` makes writes fail with SQLITE_FULL
exactly as a full disk does (this runs everywhere; `tests/integration/runtime/test_full_disk.py` fills
a real tmpfs where mounting is allowed). The error reaches the caller, the writer keeps running and
reports the condition, and once there is room again writes succeed with no restart."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from backflow.adapters.sqlite.disk_space import is_disk_full
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.sqlite.writer import DiskFullError
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.inbox import InboundEvent, StoreOutcome

pytestmark = pytest.mark.anyio


def event(n: int) -> InboundEvent:
    return InboundEvent(
        source="test", source_id=str(n), kind="k", received_at=datetime.now(UTC), body=b"x" * 20_000
    )


async def pages(store: SqliteStore) -> int:
    return int(await store.writer.submit(lambda c: c.execute("PRAGMA page_count").fetchone()[0]))


async def test_a_full_database_is_reported_and_recovers_when_there_is_room(tmp_path: Path) -> None:
    with anyio.fail_after(30):
        async with SqliteStore.open(
            tmp_path / "db.sqlite3", clock=SystemClock(), ids=Uuid7Generator()
        ) as store:
            limit = await pages(store) + 30
            await store.writer.submit(lambda c: c.execute(f"PRAGMA max_page_count = {limit}"))
            stored = 0
            with pytest.raises(sqlite3.OperationalError) as failed:
                for n in range(100):
                    assert await store.inbox.store(event(n)) is StoreOutcome.STORED
                    stored += 1
            assert is_disk_full(failed.value) and 0 < stored < 100
            assert store.writer.disk_full is not None and "is full since" in store.writer.disk_full
            with pytest.raises((DiskFullError, sqlite3.OperationalError)):
                await store.inbox.store(event(stored))  # still no room

            await store.writer.submit(lambda c: c.execute(f"PRAGMA max_page_count = {limit * 100}"))
            for n in range(stored, stored + 10):
                assert await store.inbox.store(event(n)) is StoreOutcome.STORED
            assert store.writer.disk_full is None
            await store.admin.probe_write()
            assert await store.inbox.get("test", str(stored + 9)) is not None
