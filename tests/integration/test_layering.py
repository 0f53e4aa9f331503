"""The layering contracts are real: breaking one makes lint-imports fail, and headless imports stay lean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    # symlinks=True: `src/backflow/*` stay links into the copy, so an edit of the copy is what is linted
    shutil.copytree(ROOT / "src", copy / "src", ignore=ignore, symlinks=True)
    shutil.copytree(ROOT / "tui", copy / "tui", ignore=ignore)
    return copy


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": f"{project / 'src'}:{project}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def clean_result(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    return _lint(_copy_project(tmp_path_factory.mktemp("clean")))


def test_the_project_keeps_its_contracts(clean_result: subprocess.CompletedProcess[str]) -> None:
    assert clean_result.returncode == 0, clean_result.stdout + clean_result.stderr
    assert "BROKEN" not in clean_result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("src/domain/money.py", "import anyio\n", "The domain imports only the standard library and msgspec"),
        (
            "src/domain/money.py",
            "import sqlite3\n",
            "The domain imports only the standard library and msgspec",
        ),
        ("src/ports/clock.py", "import aiohttp\n", "Ports import only the domain"),
        ("src/app/__init__.py", "import backflow.adapters\n", "Only the composition root imports adapters"),
        ("tui/__init__.py", "import sqlite3\n", "The TUI never touches SQL or adapters"),
        (
            "tui/__init__.py",
            "import backflow.app.entrypoints.http.view_builders\n",
            "The TUI never touches SQL or adapters",
        ),
        (
            "src/app/entrypoints/http/views.py",
            "import backflow.app.core.evidence\n",
            "The view structs shared with the TUI import only msgspec",
        ),
        (
            "src/app/orders/__init__.py",
            "import backflow.app.returns\n",
            "Capability packages never import each other",
        ),
        (
            "src/app/core/__init__.py",
            "import backflow.app.refunds\n",
            "Entry points, root, runtime, capabilities, core",
        ),
        (
            "src/app/runtime/__init__.py",
            "import backflow.tui\n",
            "The daemon's code never imports the TUI or Textual",
        ),
    ],
)
def test_a_broken_contract_fails(tmp_path: Path, module: str, line: str, contract: str) -> None:
    project = _copy_project(tmp_path)
    target = project / module
    target.write_text(target.read_text() + "\n" + line)
    result = _lint(project)
    assert result.returncode != 0
    assert contract in result.stdout
    assert "BROKEN" in result.stdout


def test_headless_domain_import_pulls_in_no_async_or_ui_library() -> None:
    code = (
        "import sys, backflow.domain.money, backflow.domain.rounding\n"
        "bad = [m for m in ('anyio','aiohttp','aiosqlite','textual','sqlite3') if m in sys.modules]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
