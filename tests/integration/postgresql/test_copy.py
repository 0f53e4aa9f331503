"""The copy's own refusals, and its table list against the schema (the round trip of real flows is in
tests/integration/flows/test_store_copy.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest
from psycopg.rows import dict_row

from backflow.adapters.postgresql.copy_sqlite import NOT_COPIED, TABLES, CopyRefusedError, copy_sqlite
from backflow.adapters.postgresql.database import Connection
from backflow.app.bootstrap.stores import copy_sqlite_store
from backflow.app.core.settings import ConfigError

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]


async def test_the_copy_covers_every_table_of_the_schema(postgres_dsn: str) -> None:
    with anyio.fail_after(20):
        async with await Connection.connect(postgres_dsn, row_factory=dict_row) as conn:
            cursor = await conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
                " AND table_name != 'schema_migrations'"
            )
            assert {row["table_name"] for row in await cursor.fetchall()} == set(TABLES) | set(NOT_COPIED)


async def test_a_file_that_is_not_a_backflow_database_is_refused(postgres_dsn: str, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with anyio.fail_after(20):
        with pytest.raises(CopyRefusedError, match="not a Backflow database"):
            await copy_sqlite(other, postgres_dsn)
        with pytest.raises(CopyRefusedError, match="no SQLite database at"):
            await copy_sqlite(tmp_path / "missing.sqlite", postgres_dsn)


async def test_the_target_must_be_a_postgresql_url(tmp_path: Path) -> None:
    with anyio.fail_after(5), pytest.raises(ConfigError, match="must be a postgresql:// URL"):
        await copy_sqlite_store(tmp_path / "db.sqlite", str(tmp_path / "other.sqlite"))
