"""Kill -9 the store at random moments: acknowledged events survive, nothing is completed twice."""

from __future__ import annotations

import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("crash_child.py")
CYCLES = int(os.environ.get("CRASH_CYCLES", "50"))


def _start(db: Path, tag: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(db), tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_ready(child: subprocess.Popen[bytes], timeout: float) -> None:
    assert child.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            child.kill()
            pytest.fail(f"child not ready after {timeout}s")
    line = child.stdout.readline()
    if line != b"ready\n":
        child.kill()
        _, err = child.communicate(timeout=10)
        pytest.fail(f"child did not start: {line!r} {err.decode()[-2000:]}")


def _check(db: Path, acknowledged: set[str], completed: list[str]) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {row[0] for row in conn.execute("SELECT source_id FROM inbox WHERE source = 'crash'")}
        missing = acknowledged - stored
        assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:3]}"
        twice = conn.execute(
            "SELECT outbox_id, count(*) FROM outbox_events WHERE to_status = 'done' "
            "GROUP BY outbox_id HAVING count(*) > 1"
        ).fetchall()
        assert twice == [], f"completed more than once: {twice[:3]}"
        done = {row[0] for row in conn.execute("SELECT id FROM outbox WHERE status = 'done'")}
        assert set(completed) <= done, "a completion reported to the worker was lost"
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    db = tmp_path / "crash.sqlite"
    acknowledged: set[str] = set()
    completed: list[str] = []
    deadline = time.monotonic() + 150
    for cycle in range(CYCLES):
        assert time.monotonic() < deadline, f"crash loop too slow (seed {seed}, cycle {cycle})"
        child = _start(db, f"c{cycle}")
        _wait_ready(child, timeout=30)
        time.sleep(rng.uniform(0.05, 0.3))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL, err.decode()[-2000:]
        # Whatever follows the last newline was cut by the kill and may be partial: whole lines only.
        for line in out.decode().split("\n")[:-1]:
            kind, _, value = line.partition(" ")
            if kind == "I":
                acknowledged.add(value)
            elif kind == "C":
                completed.append(value)
        _check(db, acknowledged, completed)
        assert len(completed) == len(set(completed)), f"a row was reported completed twice (seed {seed})"
    assert len(acknowledged) > CYCLES, f"the children did too little work to prove anything (seed {seed})"
    assert completed, f"no outbox row was ever completed (seed {seed})"
