"""SQL kept in .sql files, shared by the SQLite and PostgreSQL adapters: named queries and migrations.

A queries file is a list of blocks headed `-- name: x`; comment lines inside a block are dropped.
Migrations are files `NNNN_what.sql` in one folder, numbered from 0001 without gaps.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

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


def read_migrations(folder: Path) -> tuple[tuple[int, str, str], ...]:
    """(version, file name, sql) for every migration in `folder`, in order; version n follows n-1."""
    found: list[tuple[int, str, str]] = []
    for path in folder.iterdir():
        match = _MIGRATION.match(path.name)
        if match:
            found.append((int(match.group(1)), path.name, path.read_text()))
    found.sort()
    if [version for version, _, _ in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations in {folder} must be numbered 0001, 0002, ... without gaps")
    return tuple(found)


class SqlFolder:
    """One adapter's SQL folder (queries.sql, schema.sql, migrations/), each file read once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @cached_property
    def _queries(self) -> dict[str, str]:
        return parse_queries((self.folder / "queries.sql").read_text())

    @cached_property
    def _schema(self) -> str:
        return (self.folder / "schema.sql").read_text()

    @cached_property
    def _migrations(self) -> tuple[tuple[int, str, str], ...]:
        return read_migrations(self.folder / "migrations")

    def queries(self) -> dict[str, str]:
        return self._queries

    def q(self, name: str) -> str:
        return self._queries[name]

    def schema(self) -> str:
        return self._schema

    def migrations(self) -> tuple[tuple[int, str, str], ...]:
        """(version, file name, sql) for every migration, in order."""
        return self._migrations

    def latest_version(self) -> int:
        return len(self._migrations)
