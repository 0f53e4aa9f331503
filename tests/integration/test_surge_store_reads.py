"""The surge benchmark's reads of the daemon's database give the same figures on both stores: SQLite
keeps epoch seconds, PostgreSQL timestamptz, and the prefill reaches PostgreSQL through the copy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bench import surge_store

SINCE = 1_700_000_000.0
SYNCED = [  # (ct order id, order number, lag seconds)
    ("ct-1", "SURGE1-1", 0.25),
    ("ct-2", "SURGE1-2", 1.5),
    ("ct-3", "SURGE1-3", None),  # not synced yet: no lag
    ("ct-4", "STEP-1", 0.75),
]
INBOX = [  # (source, id, received, processed): only processed events since SINCE count
    ("commercetools", "m-1", SINCE + 1, SINCE + 3.5),
    ("rebound", "e-1", SINCE + 2, SINCE + 2.25),
    ("rebound", "e-2", SINCE + 4, None),
    ("rebound", "e-0", SINCE - 10, SINCE - 9),
]


def _write_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO synced_orders (ct_order_id, order_number, ct_version, status, lag_seconds)"
            " VALUES (?, ?, 1, 'synced', ?)",
            SYNCED,
        )
        conn.executemany(
            "INSERT INTO inbox (source, source_id, kind, received_at, body, headers, trace_ctx, status,"
            " processed_at) VALUES (?, ?, 'k', ?, x'', x'7b7d', x'7b7d', 'processed', ?)",
            INBOX,
        )


def _write_postgresql(dsn: str) -> None:
    def at(seconds: float | None) -> datetime | None:
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC)

    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO synced_orders (ct_order_id, order_number, ct_version, status, lag_seconds)"
            " VALUES (%s, %s, 1, 'synced', %s)",
            SYNCED,
        )
        cursor.executemany(
            "INSERT INTO inbox (source, source_id, kind, received_at, body, headers, trace_ctx, status,"
            " processed_at) VALUES (%s, %s, 'k', %s, '', '{}', '{}', 'processed', %s)",
            [(source, sid, at(received), at(processed)) for source, sid, received, processed in INBOX],
        )


def _expect_the_same_figures(db: surge_store.Database) -> None:
    assert sorted(surge_store.sync_lags(db, "SURGE")) == [0.25, 1.5]
    assert surge_store.sync_lags(db, "STEP-") == [0.75]
    assert surge_store.synced_orders(db, "SURGE") == 3
    assert surge_store.synced_orders(db, "STEP-") == 1
    lags = sorted(surge_store.inbox_lags(db, SINCE))
    assert [source for source, _ in lags] == ["commercetools", "rebound"]
    assert [lag for _, lag in lags] == pytest.approx([2.5, 0.25])


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "backflow.sqlite3"
    surge_store.fill(path, tmp_path, 0)  # the store's schema, no returns
    return path


@pytest.mark.integration
def test_the_reads_on_sqlite(sqlite_db: Path) -> None:
    _write_sqlite(sqlite_db)
    _expect_the_same_figures(sqlite_db)


@pytest.mark.integration
@pytest.mark.postgresql
def test_the_reads_on_postgresql(postgres_dsn: str) -> None:
    _write_postgresql(postgres_dsn)
    assert surge_store.is_postgresql(postgres_dsn)
    _expect_the_same_figures(postgres_dsn)


def _count(db: surge_store.Database, table: str) -> int:
    query = f"SELECT count(*) FROM {table}"
    if isinstance(db, str):
        with psycopg.connect(db) as conn:
            return int(conn.execute(query).fetchone()[0])  # type: ignore[index]
    with sqlite3.connect(db) as conn:
        return int(conn.execute(query).fetchone()[0])


@pytest.mark.integration
@pytest.mark.parametrize(
    "target",
    [
        pytest.param(lambda tmp, _dsn: tmp / "filled.sqlite3", id="sqlite"),
        pytest.param(lambda _tmp, dsn: dsn, id="postgresql", marks=pytest.mark.postgresql),
    ],
)
def test_the_prefill_stores_finished_returns_on_either_store(
    target: Callable[[Path, str], surge_store.Database], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    dsn = request.getfixturevalue("postgres_dsn") if "postgresql" in request.node.callspec.id else ""
    db = target(tmp_path, dsn)
    surge_store.fill(db, tmp_path, 25)
    assert _count(db, "return_cases") == 25
    assert _count(db, "outbox") == 25
    assert _count(db, "timeline") == 50
