"""The SQL text lives in .sql files beside this module; this loads it (adapters.sqlfiles)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from backflow.adapters.sqlfiles import SqlFolder

_SQL = SqlFolder(Path(__file__).parent)
queries, q, schema, latest_version = _SQL.queries, _SQL.q, _SQL.schema, _SQL.latest_version


@cache
def migrations() -> tuple[tuple[int, str], ...]:
    """(version, sql) for every migration, in order; version n brings user_version from n-1 to n."""
    return tuple((version, sql) for version, _, sql in _SQL.migrations())
