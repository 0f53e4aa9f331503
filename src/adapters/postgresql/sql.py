"""The SQL text lives in .sql files beside this module; this loads it (parser: adapters.sqlfiles)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from backflow.adapters.sqlfiles import parse_queries, read_migrations

HERE = Path(__file__).parent


@cache
def queries() -> dict[str, str]:
    return parse_queries((HERE / "queries.sql").read_text())


def q(name: str) -> str:
    return queries()[name]


@cache
def replica_queries() -> dict[str, str]:
    """PostgreSQL-only coordination of replicas (replicas.sql): no SQLite counterpart."""
    return parse_queries((HERE / "replicas.sql").read_text())


@cache
def schema() -> str:
    return (HERE / "schema.sql").read_text()


@cache
def migrations() -> tuple[tuple[int, str, str], ...]:
    """(version, file name, sql) for every migration, in order."""
    return read_migrations(HERE / "migrations")


def latest_version() -> int:
    return len(migrations())
