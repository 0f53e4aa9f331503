"""The SQL text lives in .sql files beside this module; this loads it (adapters.sqlfiles)."""

from __future__ import annotations

from pathlib import Path

from backflow.adapters.sqlfiles import SqlFolder

_SQL = SqlFolder(Path(__file__).parent)
queries, q, schema, latest_version = _SQL.queries, _SQL.q, _SQL.schema, _SQL.latest_version
migrations = _SQL.migrations
"""(version, file name, sql) for every migration, in order."""
