"""The SQL text lives in .sql files beside this module; this loads it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
_NAME = re.compile(r"^-- name: (\w+)\s*$")
_MIGRATION = re.compile(r"^(\d{4})_\w+\.sql$")


def parse_queries(text: str) -> dict[str, str]:
    """Split a file of `-- name: x` headed blocks into {x: sql}; comment lines are dropped."""
    queries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _NAME.match(line)
        if match:
            name = match.group(1)
            if name in queries:
                raise ValueError(f"query {name!r} is defined twice")
            current = queries[name] = []
        elif current is not None and not line.lstrip().startswith("--"):
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in queries.items()}


@cache
def queries() -> dict[str, str]:
    return parse_queries((HERE / "queries.sql").read_text())


def q(name: str) -> str:
    return queries()[name]


@cache
def schema() -> str:
    return (HERE / "schema.sql").read_text()


@cache
def migrations() -> tuple[tuple[int, str], ...]:
    """(version, sql) for every migration, in order; version n brings user_version from n-1 to n."""
    found: list[tuple[int, str]] = []
    for path in (HERE / "migrations").iterdir():
        match = _MIGRATION.match(path.name)
        if match:
            found.append((int(match.group(1)), path.read_text()))
    found.sort()
    if [version for version, _ in found] != list(range(1, len(found) + 1)):
        raise ValueError("migrations must be numbered 0001, 0002, ... without gaps")
    return tuple(found)


def latest_version() -> int:
    return len(migrations())
