"""`backflow report … --output PATH` as a user runs it: an existing file is refused unless --force, and a
path that cannot be written (a directory, under a file, a read-only disk) is one line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator

BACKFLOW = str(Path(sys.executable).parent / "backflow")
RECON = ["report", "reconciliation", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "backflow.sqlite3"

    async def create() -> None:
        async with SqliteStore.open(path, clock=SystemClock(), ids=Uuid7Generator()):
            pass

    anyio.run(create)
    return path


def report(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "REBOUND_", "BACKFLOW_"))}
    env = keep | {"BACKFLOW_DB": str(database), "OTEL_SDK_DISABLED": "true"}
    return subprocess.run([BACKFLOW, *args], env=env, capture_output=True, text=True, timeout=60)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and result.stdout == "", (result.stdout, result.stderr)
    return lines[0]


def test_a_new_file_is_written_and_its_path_printed(database: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "recon.json"
    result = report(database, *RECON, "--output", str(target))
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, str(target), "")
    assert '"period_from": "2026-11-01"' in target.read_text()


@pytest.mark.parametrize("kind", ["reconciliation", "reasons"])
def test_an_existing_file_is_refused_unless_forced(database: Path, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "report.json"
    target.write_text("finance's notes: keep me")
    argv = RECON if kind == "reconciliation" else ["report", "reasons", "--format", "json"]
    refused = report(database, *argv, "--output", str(target))
    line = one_line(refused)
    assert refused.returncode == 2
    assert line == f"backflow: {target} already exists; give --force to overwrite it"
    assert target.read_text() == "finance's notes: keep me"
    forced = report(database, *argv, "--output", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_text().startswith("{")


def test_a_directory_is_one_line(database: Path, tmp_path: Path) -> None:
    for force in ([], ["--force"]):
        result = report(database, *RECON, "--output", str(tmp_path), *force)
        assert one_line(result) == f"backflow: cannot write the report to {tmp_path}: it is a directory"
        assert result.returncode == 2


def test_a_path_under_a_file_is_one_line(database: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    target = tmp_path / "a-file" / "recon.json"
    result = report(database, *RECON, "--output", str(target))
    line = one_line(result)
    assert result.returncode == 1
    assert line == f"backflow: cannot write the report to {target}: {target.parent} is a file, not a folder"


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "ro"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_a_read_only_disk_is_one_line(database: Path, read_only_dir: Path) -> None:
    target = read_only_dir / "recon.json"
    result = report(database, *RECON, "--output", str(target))
    assert one_line(result) == f"backflow: cannot write the report to {target}: Read-only file system"
    assert result.returncode == 1
