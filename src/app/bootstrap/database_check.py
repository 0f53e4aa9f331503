"""check-config's line about BACKFLOW_DB: the SQLite file's preflight, or a connection to the
PostgreSQL server with the pool settings it will use (nothing is created on either)."""

from __future__ import annotations

from backflow.adapters.sqlite.preflight import check_database
from backflow.app.bootstrap.checks_base import Check
from backflow.app.core.settings import Settings, redact_db_url
from backflow.ports.errors import StoreUnavailable

NAME = "database (BACKFLOW_DB)"


async def database_check(settings: Settings) -> Check:
    if settings.db_url is None:
        found = check_database(settings.db_path)
        return Check(NAME, found.ok, found.message)
    from backflow.adapters.postgresql.database import connect

    pg, where = settings.postgres, redact_db_url(settings.db_url)
    try:
        async with await connect(settings.db_url, connect_timeout=pg.connect_timeout_seconds) as conn:
            row = await (await conn.execute("SHOW server_version")).fetchone()
    except StoreUnavailable as exc:
        return Check(NAME, False, f"{where}: {exc}")
    version = row["server_version"] if row else "?"
    lock = f"{pg.lock_timeout_seconds:g} s" if pg.lock_timeout_seconds else "none"
    return Check(
        NAME,
        True,
        f"PostgreSQL {version} at {where}; pool {pg.pool_min}-{pg.pool_max} connections, "
        f"statement timeout {pg.statement_timeout_seconds:g} s, lock timeout {lock}",
    )
