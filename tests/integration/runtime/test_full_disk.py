"""A full disk, for real: the database on a 2 MB tmpfs mounted by the test (skipped where mounting is
not allowed: it needs root or CAP_SYS_ADMIN). Webhooks fill the disk until one is refused and
/readyz says the disk is full; the operator frees space; the daemon takes writes again by itself and
keeps taking them (the WAL does not eat the freed space), and /readyz is green again."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from backflow.ports.inbox import StoredInboundEvent
from tests.integration.runtime.conftest import DaemonFactory, Running, eventually, registry
from tests.rebound_support import envelope, signed_headers

pytestmark = pytest.mark.anyio
DISK = "2m"
FILLER = 512 * 1024
PADDING = 40_000
"""Each webhook is ~40 KB: its own pages, so the disk fills in a few dozen."""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


async def taken(stored: StoredInboundEvent) -> None:
    """Each event is processed (its inbox row is marked), as the real intake would."""


async def webhook(run: Running, n: int) -> int:
    base = envelope(f"01FULL{n:06d}")
    body = base + b" " * PADDING
    async with run.http.post(f"{run.url}/webhooks/rebound", data=body, headers=signed_headers(body)) as r:
        return r.status


async def readiness(run: Running) -> tuple[int, list[str]]:
    async with run.http.get(f"{run.url}/readyz") as response:
        return response.status, (await response.json())["reasons"]


async def test_freeing_space_is_enough_to_take_writes_again(daemon: DaemonFactory, small_disk: Path) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(os.urandom(FILLER))
    flows = registry(inbox_handlers={"rebound": taken})
    with anyio.fail_after(120):
        async with daemon(flows, db_path=small_disk / "backflow.sqlite3") as run:
            n = 0
            while (status := await webhook(run, n)) == 202:
                n += 1
                assert n < 500, "the disk never filled"
            assert status == 500 and n > 5, (status, n)
            status, reasons = await readiness(run)
            assert status == 503, reasons
            assert any(r.startswith("database not writable: DiskFullError") for r in reasons), reasons
            assert any(f"the disk of {small_disk} is full" in r for r in reasons), reasons

            filler.unlink()  # the operator frees space on the volume, and restarts nothing
            recovered = [await webhook(run, n + m) for m in range(1, 9)]  # ~320 KB of the 512 KB freed
            assert recovered == [202] * 8, recovered
            await eventually(lambda: _ready(run), within=30)
            assert [await webhook(run, n + m) for m in range(9, 11)] == [202, 202]
            assert await readiness(run) == (200, [])


async def _ready(run: Running) -> bool:
    return (await readiness(run))[0] == 200
