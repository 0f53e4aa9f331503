"""Bring a database to the latest schema, recording each applied migration in schema_migrations.

A fresh database is built from schema.sql and recorded at the latest version; an older one gets the
migrations it lacks, in order. Everything runs in one transaction (PostgreSQL's DDL is
transactional: a failure leaves the old version intact) under an advisory lock, so replicas that
start together migrate one after the other.
"""

from __future__ import annotations

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.sql import latest_version, migrations, schema

# Any constant shared by every replica; the lock lives for the migrating transaction only.
MIGRATION_LOCK = 0x6261636B666C6F77  # "backflow"

_TRACKING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def current_version(conn: Connection) -> int:
    cursor = await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS tracked")
    row = await cursor.fetchone()
    if row is None or not row["tracked"]:
        return 0
    cursor = await conn.execute("SELECT coalesce(max(version), 0) AS version FROM schema_migrations")
    row = await cursor.fetchone()
    return 0 if row is None else int(row["version"])


async def migrate(conn: Connection, *, upto: int | None = None) -> int:
    """Apply what is missing up to `upto` (default: the latest); returns the version it was at.

    `upto` exists for the convergence test, which builds a database from the migrations alone.
    """
    target = latest_version() if upto is None else upto
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%(lock)s)", {"lock": MIGRATION_LOCK})
        await conn.execute(_TRACKING)
        current = await current_version(conn)
        if current > latest_version():
            raise RuntimeError(f"database is at version {current}, newer than this code ({latest_version()})")
        if current >= target:
            return current
        if current == 0 and upto is None:
            await conn.execute(schema())
            applied = migrations()
        else:
            applied = migrations()[current:target]
            for _, _, sql in applied:
                await conn.execute(sql)
        for version, name, _ in applied:
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%(version)s, %(name)s)",
                {"version": version, "name": name},
            )
    return current
