"""The SQL text lives in .sql files beside this module; this loads it (adapters.sqlfiles)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from backflow.adapters.sqlfiles import SqlFolder, parse_queries

_SQL = SqlFolder(Path(__file__).parent)
queries, q, schema, latest_version = _SQL.queries, _SQL.q, _SQL.schema, _SQL.latest_version
migrations = _SQL.migrations
"""(version, file name, sql) for every migration, in order."""


@cache
def replica_queries() -> dict[str, str]:
    """PostgreSQL-only coordination of replicas (replicas.sql): no SQLite counterpart."""
    return parse_queries((Path(__file__).parent / "replicas.sql").read_text())
