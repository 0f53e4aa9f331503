"""Copy a stopped SQLite store into an empty PostgreSQL one, verified by row counts per table.

The source is read in one read transaction (one consistent snapshot); the target is written in one
transaction, so a failed copy leaves it empty. Values are converted by the target column's type:
REAL unix seconds become timestamptz exactly as the SQLite store returns them through the ports
(UTC datetimes), BLOB JSON becomes json text. The history tables are copied as recorded, so the
triggers that would write them again are off during the copy. Identity sequences continue after
the copied ids. SQLite is read on the event loop's thread: this is a one-shot command, nothing else
runs meanwhile.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from psycopg import sql

from backflow.adapters.postgresql.database import Connection, connect
from backflow.adapters.postgresql.migrate import migrate

# Referenced tables before the tables referring to them.
TABLES = (
    "inbox",
    "outbox",
    "outbox_events",
    "return_cases",
    "return_status_history",
    "synced_orders",
    "order_line_quantities",
    "order_snapshots",
    "exceptions",
    "exception_events",
    "exception_alerts",
    "refund_decisions",
    "stock_movements",
    "stock_write_offs",
    "refunds",
    "pending_credits",
    "credit_history",
    "timeline",
    "watermarks",
    "shadow_writes",
    "runtime_probe",
)
# PostgreSQL-only state with nothing to copy: SQLite's one daemon keeps its job ticks in memory and
# claims no inbound event (a stopped store holds no live claim either).
NOT_COPIED = ("job_ticks", "inbox_claims")
_TRIGGERED = ("return_cases", "pending_credits")  # their triggers write the history tables
_BATCH = 1000


class CopyRefusedError(ValueError):
    """The copy cannot be made as asked (the target holds data, the schemas differ)."""


class CopyFailedError(RuntimeError):
    """The copy did not reproduce the source (rolled back: the target stays empty)."""


def _timestamp(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _bytes(value: Any) -> bytes | None:
    return None if value is None else value.encode() if isinstance(value, str) else bytes(value)


def _json(value: Any) -> str | None:
    return None if value is None else bytes(value).decode() if isinstance(value, bytes) else str(value)


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "timestamp with time zone": _timestamp,
    "bytea": _bytes,
    "json": _json,
}


async def copy_sqlite(source: Path, dsn: str) -> dict[str, int]:
    """Copy every table; returns the rows per table, equal in source and target (else nothing stays)."""
    if not await anyio.Path(source).is_file():
        raise CopyRefusedError(f"no SQLite database at {source}")
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if reader.execute("PRAGMA user_version").fetchone()[0] == 0:
            raise CopyRefusedError(f"{source} is not a Backflow database (its schema version is 0)")
        reader.execute("BEGIN")  # one snapshot for every table and count
        async with await connect(dsn, connect_timeout=30) as conn:
            await migrate(conn)
            await _refuse_unless_empty(conn)
            async with conn.transaction():
                for table in _TRIGGERED:
                    await conn.execute(
                        sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(table))
                    )
                counts = {table: await _copy_table(reader, conn, table) for table in TABLES}
                for table in _TRIGGERED:
                    await conn.execute(
                        sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(table))
                    )
                await _continue_identities(conn)
                await _verify(reader, conn, counts)
        return counts
    finally:
        reader.close()


async def _refuse_unless_empty(conn: Connection) -> None:
    for table in TABLES:
        query = sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))
        row = await (await conn.execute(query)).fetchone()
        if row is not None and row["n"]:
            raise CopyRefusedError(f"the target database is not empty ({table} has {row['n']} rows)")


async def _target_columns(conn: Connection, table: str) -> dict[str, str]:
    cursor = await conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %(table)s",
        {"table": table},
    )
    return {row["column_name"]: row["data_type"] for row in await cursor.fetchall()}


async def _copy_table(reader: sqlite3.Connection, conn: Connection, table: str) -> int:
    target = await _target_columns(conn, table)
    source = [row[1] for row in reader.execute(f"PRAGMA table_info({table})")]
    if set(source) != set(target):
        raise CopyRefusedError(
            f"{table}: the SQLite columns {sorted(source)} differ from PostgreSQL's {sorted(target)};"
            " open the SQLite database once with this version of Backflow to migrate it"
        )
    converters = [_CONVERT.get(target[column], _same) for column in source]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in source)
    )
    copied = 0
    async with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for row in _rows(reader, table, source):
            await copy.write_row([convert(value) for convert, value in zip(converters, row, strict=True)])
            copied += 1
    return copied


def _same(value: Any) -> Any:
    return value


def _rows(reader: sqlite3.Connection, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    names = ", ".join(f'"{column}"' for column in columns)
    cursor = reader.execute(f'SELECT {names} FROM "{table}"')
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


async def _continue_identities(conn: Connection) -> None:
    cursor = await conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for row in await cursor.fetchall():
        table, column = sql.Identifier(row["table_name"]), sql.Identifier(row["column_name"])
        await conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({name}, {col}), coalesce(max({c}), 0) + 1, false)"
                " FROM {t}"
            ).format(
                name=sql.Literal(row["table_name"]), col=sql.Literal(row["column_name"]), c=column, t=table
            )
        )


async def _verify(reader: sqlite3.Connection, conn: Connection, counts: dict[str, int]) -> None:
    """Counted again on both sides, independently of the copy loop; a difference undoes the copy."""
    for table, copied in counts.items():
        (in_source,) = reader.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        query = sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table))
        row = await (await conn.execute(query)).fetchone()
        in_target = None if row is None else row["n"]
        if not in_source == copied == in_target:
            raise CopyFailedError(
                f"{table}: {in_source} rows in SQLite, {copied} copied, {in_target} in PostgreSQL"
            )
