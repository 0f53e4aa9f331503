"""Migrations converge: a database at any earlier version, migrated, has exactly schema.sql's shape."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import msgspec
import pytest

from backflow.adapters.sqlite.connections import migrate, open_writer, split_statements
from backflow.adapters.sqlite.sql import latest_version, migrations, queries, schema
from backflow.domain.return_case import Position, ReturnCase


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


class _Stored(msgspec.Struct):
    case: ReturnCase


def _case_json(return_id: str, position: str) -> bytes:
    case = {
        "return_id": return_id,
        "client_order_id": "CT-1",
        "position": position,
        "rebound_status": "GRADED",
    }
    return json.dumps({"case": case, "unmapped_reasons": {}}).encode()


def test_0006_renames_the_position_refund_rejected_to_held_for_finance_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite"
    _at_version(path, 5)
    conn = sqlite3.connect(path, isolation_level=None)
    for rid, position in (("RB-1", "REFUND_REJECTED"), ("RB-2", "REFUND_PENDING")):
        conn.execute(
            "INSERT INTO return_cases (return_id, client_order_id, state, last_sequence, snapshot, version,"
            " created_at, updated_at) VALUES (?, 'CT-1', ?, 3, ?, 1, 10, 20)",
            (rid, position, _case_json(rid, position)),
        )
        conn.execute(
            "INSERT INTO timeline (return_id, at, source, action, outcome, detail) VALUES (?, 20, 'backflow',"
            " ?, 'applied', ?)",
            (rid, f"case moved to {position}/GRADED", json.dumps({"position": position}).encode()),
        )
    conn.execute(
        "INSERT INTO exceptions (type, owner, severity, state, dedupe_key, return_id, evidence, first_seen,"
        " last_seen) VALUES ('return_info_missing', 'operations', 'error', 'open', 'k', 'RB-1', ?, 20, 20)",
        (json.dumps({"backflow_position": "REFUND_REJECTED", "note": "REFUND_REJECTED"}).encode(),),
    )
    conn.execute(
        "INSERT INTO timeline (return_id, at, source, action, outcome, detail) VALUES ('RB-3', 20,"
        " 'x', 'REFUND_REJECTED told', 'ok', ?)",
        (b'not json: "REFUND_REJECTED"',),
    )
    conn.close()

    migrated = open_writer(path)
    states = dict(migrated.execute("SELECT return_id, state FROM return_cases").fetchall())
    assert states == {"RB-1": "HELD_FOR_FINANCE", "RB-2": "REFUND_PENDING"}
    for rid, snapshot in migrated.execute("SELECT return_id, snapshot FROM return_cases"):
        assert isinstance(snapshot, bytes)
        case = msgspec.json.decode(snapshot, type=_Stored).case
        assert case.position is (Position.HELD_FOR_FINANCE if rid == "RB-1" else Position.REFUND_PENDING)
    history = [
        tuple(row)
        for row in migrated.execute("SELECT return_id, position FROM return_status_history ORDER BY seq")
    ]
    assert history == [("RB-1", "HELD_FOR_FINANCE"), ("RB-2", "REFUND_PENDING")], "no rows added"
    timeline = migrated.execute("SELECT return_id, action, CAST(detail AS TEXT) FROM timeline ORDER BY seq")
    assert [
        (rid, action, json.loads(detail) if rid != "RB-3" else detail) for rid, action, detail in timeline
    ] == [
        ("RB-1", "case moved to HELD_FOR_FINANCE/GRADED", {"position": "HELD_FOR_FINANCE"}),
        ("RB-2", "case moved to REFUND_PENDING/GRADED", {"position": "REFUND_PENDING"}),
        ("RB-3", "REFUND_REJECTED told", 'not json: "REFUND_REJECTED"'),
    ]
    [(evidence,)] = migrated.execute("SELECT evidence FROM exceptions").fetchall()
    assert json.loads(evidence) == {"backflow_position": "HELD_FOR_FINANCE", "note": "REFUND_REJECTED"}
    migrated.execute("UPDATE return_cases SET state = 'CLOSED', updated_at = 30 WHERE return_id = 'RB-1'")
    assert migrated.execute("SELECT count(*) FROM return_status_history").fetchone()[0] == 3, "trigger back"
    migrated.close()


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


LIVE_ROW_READS = {
    # query: the index it must walk (every one of these is called on a schedule or by the overview)
    "report_open_cases": "return_cases_open",
    "report_status_history_of": "return_status_history_return",
    "monitor_queue_depth": "outbox_live",
    "admin_queue_counts": "outbox_live",
    "figures_outbox": "outbox_live",
    "figures_inbox": "inbox_unsettled",
    "admin_inbox_counts": "inbox_unsettled",
    "report_cases_touched_since": "return_cases_updated (updated_at>?)",
    "report_refunds_touched_since": "refunds_updated (updated_at>?)",
    "report_cases_page": "return_cases_created ((created_at,return_id)>(?,?))",
}


@pytest.mark.parametrize("name", sorted(LIVE_ROW_READS))
def test_reads_of_live_rows_never_scan_the_history(name: str) -> None:
    """At 1 M stored returns a scan of return_cases, outbox or inbox per call is CPU that grows with the
    history: these reads walk partial indexes that hold the live rows only."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema())
    sql = queries()[name]
    params = {p: None for p in re.findall(r":(\w+)", sql)}
    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert LIVE_ROW_READS[name] in plan, plan
    for table in ("return_cases", "return_status_history", "outbox", "inbox"):
        assert f"SCAN {table} |" not in f"{plan} |", plan
    if name == "admin_inbox_counts":
        assert "inbox_quarantined" in plan, plan


def test_the_snapshot_retention_walks_the_creation_index_not_the_bodies() -> None:
    """Millions of kept order bodies: the prune finds its batch by an index range scan on created_at
    and deletes it by primary key."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema())
    for name, index in (
        ("order_snapshot_created_before", "order_snapshots_created (created_at<?)"),
        ("order_snapshot_forget_many", "(ct_order_id=?)"),
    ):
        sql = queries()[name]
        params = {p: None for p in re.findall(r":(\w+)", sql)}
        plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert index in plan, plan
        assert "SCAN order_snapshots" not in plan and "TEMP B-TREE" not in plan, plan


def test_claim_walks_the_partial_indexes_not_the_table() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(schema())
    claim = queries()["outbox_claim"]
    params = {p: None for p in re.findall(r":(\w+)", claim)}
    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {claim}", params))
    assert "outbox_due" in plan and "outbox_leases" in plan, plan
    assert "SCAN outbox" not in plan.replace("SCAN outbox_", ""), plan
