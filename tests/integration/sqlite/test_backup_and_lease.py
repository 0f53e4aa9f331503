"""Backups while writes go on, restores that refuse what is unsafe, snapshots before a migration, and
the instance lease's fence: a process that lost the lease cannot commit work, only intake."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from backflow.adapters.sqlite.backup import SNAPSHOTS_KEPT, BackupError, backup, restore
from backflow.adapters.sqlite.connections import open_writer, split_statements
from backflow.adapters.sqlite.sql import latest_version, migrations
from backflow.ports.inbox import InboundEvent, StoreOutcome
from backflow.ports.instance_lease import LeaseLostError
from tests.integration.sqlite.support import START, FakeClock, message, open_store

pytestmark = pytest.mark.anyio


def event(n: int) -> InboundEvent:
    return InboundEvent(
        source="rebound", source_id=f"ev-{n}", kind="return.created", received_at=START, body=b"{}"
    )


def _inbox_ids(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT source_id FROM inbox")}


async def test_a_backup_taken_during_writes_is_consistent_and_restores(tmp_path: Path) -> None:
    db, copy = tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3"
    with anyio.fail_after(30):
        async with open_store(db, FakeClock()) as store:
            hundred_written = anyio.Event()

            async def write() -> None:
                for n in range(400):
                    await store.inbox.store(event(n))
                    if n == 99:
                        hundred_written.set()

            async with anyio.create_task_group() as tg:
                tg.start_soon(write)
                await hundred_written.wait()
                await anyio.to_thread.run_sync(backup, db, copy)
            taken = _inbox_ids(copy)
            assert 100 <= len(taken) <= 400 and taken <= _inbox_ids(db), "a prefix of what was written"
            with pytest.raises(BackupError, match="exists; pass --force"):
                backup(db, copy)
            lease = await store.instance_lease.take("daemon-a", 60)
            assert lease.holder == "daemon-a"
            with pytest.raises(BackupError, match=r"a daemon holds .*\(daemon-a, lease until"):
                restore(copy, db)
    restored = tmp_path / "restored.sqlite3"
    assert restore(copy, restored) == latest_version()
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM instance_lease").fetchone() == (0,)
    assert _inbox_ids(restored) == taken


def test_restore_checks_the_backup_first(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore(garbage, tmp_path / "db.sqlite3")
    newer = tmp_path / "newer.sqlite3"
    open_writer(newer).execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(BackupError, match="newer than this release"):
        restore(newer, tmp_path / "db.sqlite3")
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0


def test_a_migration_snapshots_the_database_first_and_keeps_the_last_few(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    for round_ in range(SNAPSHOTS_KEPT + 1):
        db.unlink(missing_ok=True)
        conn = sqlite3.connect(db, isolation_level=None)
        for _, sql in migrations()[:1]:
            for statement in split_statements(sql):
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.close()
        os.utime(db, (round_, round_))
        open_writer(db).close()
        snapshots = sorted(tmp_path.glob("old.sqlite3.pre-v*.snapshot"))
        assert len(snapshots) == min(round_ + 1, SNAPSHOTS_KEPT)
        assert f"pre-v{latest_version():04d}-from-v0001-" in snapshots[-1].name
        with sqlite3.connect(snapshots[-1]) as saved:
            assert saved.execute("PRAGMA user_version").fetchone() == (1,)
        for n, path in enumerate(snapshots):  # distinct mtimes: the keep-newest order is well defined
            os.utime(path, (1000 + n, 1000 + n))


def test_backup_command_refuses_an_existing_path_in_one_line(tmp_path: Path) -> None:
    db, target = tmp_path / "db.sqlite3", tmp_path / "there.sqlite3"
    open_writer(db).close()
    target.write_text("keep me")
    env = {**os.environ, "BACKFLOW_DB": str(db)}
    run = subprocess.run(
        [sys.executable, "-m", "backflow.app.entrypoints.cli", "backup", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1 and run.stderr.strip().count("\n") == 0
    assert run.stderr.startswith("backflow: backup: ") and "--force" in run.stderr
    assert target.read_text() == "keep me"
    forced = subprocess.run(
        [sys.executable, "-m", "backflow.app.entrypoints.cli", "backup", "--force", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert forced.returncode == 0, forced.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def test_a_process_that_lost_the_lease_can_store_intake_but_commit_no_work(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    with anyio.fail_after(30):
        async with open_store(db, FakeClock()) as old, open_store(db, FakeClock()) as new:
            assert (await old.instance_lease.take("old", 0.3)).holder == "old"
            standby = await new.instance_lease.take("new", 0.3)
            assert (standby.holder, standby.term) == ("old", 1), "held: the second one stands by"
            await old.outbox.append(message("k-1", "sync"))  # while the lease holds, work commits
            await anyio.sleep(0.4)  # `old` is paused past its lease ...
            took = await new.instance_lease.take("new", 30)
            assert (took.holder, took.term) == ("new", 2)
            # ... and wakes up: its claims and results are refused in the claim's own transaction.
            with pytest.raises(LeaseLostError, match="taken over by new"):
                await old.outbox.claim("old", limit=10, lease_seconds=30)
            with pytest.raises(LeaseLostError):
                await old.outbox.append(message("k-2", "sync"))
            assert await old.inbox.store(event(1)) is StoreOutcome.STORED, "intake is never fenced"
            assert (await old.instance_lease.take("old", 30)).holder == "new", "no taking it back"
            claimed = await new.outbox.claim("new", limit=10, lease_seconds=30)
            assert [row.idempotency_key for row in claimed] == ["k-1"]
            current = await new.instance_lease.current()
            assert current is not None and current.until > datetime.now(UTC)
