"""Money is integers: the domain's source holds no float literal and no `float(` call."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[3] / "src" / "domain"


def _float_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, float | complex):
            found.append(f"{path.name}:{node.lineno} float literal {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "float":
            found.append(f"{path.name}:{node.lineno} uses the name float")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "__float__"
        ):
            found.append(f"{path.name}:{node.lineno} calls __float__")
    return found


def test_domain_sources_exist() -> None:
    assert len(list(DOMAIN.glob("*.py"))) >= 3


def test_domain_has_no_float() -> None:
    offenders = [use for path in sorted(DOMAIN.rglob("*.py")) for use in _float_uses(path)]
    assert offenders == []


def test_the_scan_catches_floats(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("x = 0.5\ny = float('1')\n")
    assert len(_float_uses(sample)) == 2
