"""PostgreSQL migrations converge: a database built from schema.sql equals one built from every
migration in order, compared through pg_catalog and information_schema; every query prepares."""

from __future__ import annotations

import re

import anyio
import psycopg
import pytest
from psycopg.rows import dict_row

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.migrate import current_version, migrate
from backflow.adapters.postgresql.sql import latest_version, migrations, queries
from backflow.adapters.sqlite.sql import queries as sqlite_queries

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]

_SHAPE = {
    "columns": """
        SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default,
               collation_name, is_identity, identity_generation
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position""",
    "constraints": """
        SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2""",
    "triggers": """
        SELECT tgrelid::regclass::text AS table_name, tgname, pg_get_triggerdef(oid) AS definition
        FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2""",
    "functions": """
        SELECT proname, pg_get_functiondef(oid) AS definition
        FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1""",
    "sequences": """
        SELECT sequence_name, data_type, start_value, increment
        FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY 1""",
    "versions": "SELECT version, name FROM schema_migrations ORDER BY version",
}


async def _connect(dsn: str) -> Connection:
    return await Connection.connect(dsn, autocommit=True, row_factory=dict_row)


async def _shape(dsn: str) -> dict[str, list[dict[str, object]]]:
    async with await _connect(dsn) as conn:
        return {name: await (await conn.execute(sql)).fetchall() for name, sql in _SHAPE.items()}


async def test_the_schema_file_and_the_migrations_build_the_same_database(
    postgres_dsn: str, postgres_empty_dsn: str
) -> None:
    with anyio.fail_after(60):
        async with await _connect(postgres_empty_dsn) as conn:
            for version in range(1, latest_version() + 1):  # one migration at a time, as upgrades go
                assert await migrate(conn, upto=version) == version - 1
            assert await migrate(conn) == latest_version(), "migrating again is a no-op"
        from_schema, from_migrations = await _shape(postgres_dsn), await _shape(postgres_empty_dsn)
        assert from_schema["columns"] and from_schema["triggers"] and from_schema["functions"]
        assert from_migrations == from_schema
        assert [row["version"] for row in from_schema["versions"]] == [v for v, _, _ in migrations()]


async def test_a_database_newer_than_the_code_is_refused(postgres_dsn: str) -> None:
    with anyio.fail_after(20):
        async with await _connect(postgres_dsn) as conn:
            assert await current_version(conn) == latest_version()
            future = {"version": latest_version() + 1, "name": "9999_future.sql"}
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%(version)s, %(name)s)", future
            )
            with pytest.raises(RuntimeError, match="newer than this code"):
                await migrate(conn)


def _numbered(sql: str) -> str:
    """psycopg's %(name)s placeholders as the server's $1, $2, ... (one number per name)."""
    numbers: dict[str, int] = {}
    return re.sub(r"%\((\w+)\)s", lambda m: f"${numbers.setdefault(m.group(1), len(numbers) + 1)}", sql)


async def test_every_query_prepares_against_the_schema(postgres_dsn: str) -> None:
    """PREPARE parses, resolves every table and column and infers every parameter's type."""
    with anyio.fail_after(30):
        async with await _connect(postgres_dsn) as conn:
            for name, sql in queries().items():
                text = _numbered(sql)
                try:
                    await conn.execute(f"PREPARE check_query AS {text}".rstrip(";"))
                    await conn.execute("DEALLOCATE check_query")
                except psycopg.Error as exc:
                    pytest.fail(f"query {name}: {exc}")


async def test_the_snapshot_retention_can_walk_the_creation_index(postgres_dsn: str) -> None:
    """The prune's batch is an index range scan on created_at, never a scan of the kept bodies (with
    sequential and bitmap scans priced out: on an empty table the planner would rightly pick them)."""
    with anyio.fail_after(30):
        async with await _connect(postgres_dsn) as conn:
            await conn.execute("SET enable_seqscan = off")
            await conn.execute("SET enable_bitmapscan = off")
            await conn.execute(
                f"PREPARE prune AS {_numbered(queries()['order_snapshot_created_before'])}".rstrip(";")
            )
            rows = await (await conn.execute("EXPLAIN EXECUTE prune(now(), 1000)")).fetchall()
    plan = " | ".join(str(row["QUERY PLAN"]) for row in rows)
    assert "Index Scan using order_snapshots_created" in plan and "Seq Scan" not in plan, plan


def test_both_stores_name_the_same_queries() -> None:
    """The same operations on both engines; only NOTIFY and the claims' advisory lock (SQLite's single
    writer already runs one claim at a time) have no SQLite counterpart."""
    assert set(queries()) - {"notify", "outbox_claim_lock"} == set(sqlite_queries())
