"""Group commit: concurrent writes share transactions, a failing write is rolled back alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest

from backflow.adapters.sqlite.writer import WriterClosedError
from tests.integration.sqlite.support import FakeClock, message, open_store

pytestmark = pytest.mark.anyio


async def test_concurrent_appends_are_batched_into_fewer_transactions(tmp_path: Path) -> None:
    with anyio.fail_after(20):
        async with open_store(tmp_path / "db.sqlite", FakeClock()) as store:

            async def produce(p: int) -> None:
                for n in range(20):
                    await store.outbox.append(message(f"{p}-{n}"))

            async with anyio.create_task_group() as tg:
                for p in range(32):
                    tg.start_soon(produce, p)
            assert store.writer.operations == 640
            assert store.writer.batches < 640 / 4, "several callers shared each commit"
        conn = sqlite3.connect(tmp_path / "db.sqlite")
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (640,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_a_failing_operation_does_not_poison_its_batch(tmp_path: Path) -> None:
    def boom(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO outbox_events (outbox_id, at, to_status) VALUES ('x', 0, 'pending')")
        raise ValueError("boom")

    with anyio.fail_after(10):
        async with open_store(tmp_path / "db.sqlite", FakeClock()) as store:
            results: dict[str, object] = {}

            async def good(n: int) -> None:
                results[f"good{n}"] = await store.outbox.append(message(f"k{n}"))

            async def bad() -> None:
                with pytest.raises(ValueError, match="boom"):
                    await store.writer.submit(boom)
                results["bad"] = "raised"

            async with anyio.create_task_group() as tg:
                for n in range(5):
                    tg.start_soon(good, n)
                tg.start_soon(bad)
                for n in range(5, 10):
                    tg.start_soon(good, n)
            assert len(results) == 11
        conn = sqlite3.connect(tmp_path / "db.sqlite")
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (10,)
        assert conn.execute("SELECT count(*) FROM outbox_events WHERE outbox_id = 'x'").fetchone() == (0,)


async def test_writes_after_close_are_refused(tmp_path: Path) -> None:
    with anyio.fail_after(10):
        async with open_store(tmp_path / "db.sqlite", FakeClock()) as store:
            pass
        with pytest.raises(WriterClosedError):
            await store.outbox.append(message("late"))


async def test_readers_cannot_write(tmp_path: Path) -> None:
    with anyio.fail_after(10):
        async with open_store(tmp_path / "db.sqlite", FakeClock()) as store:
            with pytest.raises(sqlite3.OperationalError, match=r"readonly|query_only|attempt to write"):
                await store.monitor._readers.fetchall("DELETE FROM outbox", {})


async def test_an_error_in_the_body_comes_out_as_itself_after_queued_writes_land(tmp_path: Path) -> None:
    with anyio.fail_after(10):
        with pytest.raises(KeyError, match="mine"):
            async with open_store(tmp_path / "db.sqlite", FakeClock()) as store:
                await store.outbox.append(message("kept"))
                raise KeyError("mine")
        conn = sqlite3.connect(tmp_path / "db.sqlite")
        assert conn.execute("SELECT idempotency_key FROM outbox").fetchall() == [("kept",)]
