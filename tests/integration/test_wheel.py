"""The installed wheel puts one name into site-packages: `backflow` (no generic `app`, `domain`, ...)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_one_top_level_package(wheel: zipfile.ZipFile) -> None:
    top = {name.split("/", 1)[0] for name in wheel.namelist()}
    packages = {name for name in top if not name.endswith(".dist-info")}
    assert packages == {"backflow"}


def test_the_wheel_carries_the_code_and_its_data_files(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for expected in (
        "backflow/__init__.py",
        "backflow/domain/money.py",
        "backflow/ports/outbox.py",
        "backflow/adapters/sqlite/schema.sql",
        "backflow/app/bootstrap/__init__.py",
        "backflow/tui/app.tcss",
    ):
        assert expected in names, expected


def test_the_console_script_points_into_the_namespace(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "backflow = backflow.app.entrypoints.cli:main" in text
