"""Migrations converge: a database at any earlier version, migrated, has exactly schema.sql's shape."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from adapters.sqlite.connections import migrate, open_writer, split_statements
from adapters.sqlite.sql import latest_version, migrations, queries, schema


def _shape(conn: sqlite3.Connection) -> dict[str, object]:
    """sqlite_master with whitespace normalised, plus each table's columns as SQLite sees them."""
    objects = {
        (kind, name): re.sub(r"\s+", " ", sql).strip()
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    }
    columns = {
        name: conn.execute(f"PRAGMA table_xinfo({name})").fetchall()
        for (kind, name) in objects
        if kind == "table"
    }
    return {"objects": objects, "columns": columns, "version": conn.execute("PRAGMA user_version").fetchone()}


def _at_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for _, sql in migrations()[:version]:
        for statement in split_statements(sql):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_there_are_migrations_and_schema_sets_the_latest_version(tmp_path: Path) -> None:
    conn = open_writer(tmp_path / "fresh.sqlite")
    assert latest_version() >= 2
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    conn.close()


@pytest.mark.parametrize("start", range(latest_version()))
def test_every_earlier_version_migrates_to_the_schema(tmp_path: Path, start: int) -> None:
    fresh = open_writer(tmp_path / "fresh.sqlite")
    _at_version(tmp_path / "old.sqlite", start)
    old = open_writer(tmp_path / "old.sqlite")
    assert _shape(old) == _shape(fresh)
    assert migrate(old) == latest_version(), "migrating again is a no-op"
    old.close()
    fresh.close()


def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "future.sqlite", isolation_level=None)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    with pytest.raises(RuntimeError, match="newer than this code"):
        migrate(conn)


def test_every_query_compiles_against_the_schema() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema())
    assert len(queries()) > 40
    for name, sql in queries().items():
        params = {p: None for p in re.findall(r":(\w+)", sql)}
        try:
            conn.execute(f"EXPLAIN {sql}", params)
        except sqlite3.Error as exc:
            pytest.fail(f"query {name}: {exc}")


def test_claim_walks_the_partial_indexes_not_the_table() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema())
    claim = queries()["outbox_claim"]
    params = {p: None for p in re.findall(r":(\w+)", claim)}
    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {claim}", params))
    assert "outbox_due" in plan and "outbox_leases" in plan, plan
    assert "SCAN outbox" not in plan.replace("SCAN outbox_", ""), plan
