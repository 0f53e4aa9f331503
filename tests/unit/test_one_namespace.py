"""Every import of Backflow's own code goes through the one installed name, `backflow`.

In a checkout the editable install also makes `src/` importable, so a bare `import domain...` would
work here and fail in the wheel (and load a second copy of the module beside `backflow.domain`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
BARE = {"domain", "ports", "adapters", "app", "tui", "devtools"}
TREES = [ROOT / "src" / name for name in sorted(BARE - {"tui"})] + [
    ROOT / "tui",
    ROOT / "tests",
    ROOT / "bench",
]


def _bare_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names if name.split(".")[0] in BARE
        ]
    return found


def test_no_module_imports_backflow_code_by_a_bare_name() -> None:
    offenders = [hit for tree in TREES for path in sorted(tree.rglob("*.py")) for hit in _bare_imports(path)]
    assert offenders == []


def test_the_check_sees_a_bare_import(tmp_path: Path) -> None:
    probe = ROOT / "tests" / "unit" / "_bare_import_probe.py"
    try:
        probe.write_text("from domain.money import Money\nimport backflow.domain.money\n")
        assert _bare_imports(probe) == ["tests/unit/_bare_import_probe.py:1: domain.money"]
    finally:
        probe.unlink()
