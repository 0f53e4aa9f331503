"""Fill a Backflow database with N finished returns, fast (raw sqlite3), before the daemon starts.

Each return leaves what a real one leaves behind: its case (closed), the inbox row of its webhook,
a done outbox row with its events, and timeline rows; with `ledgers=True` also its recorded refund
and its pending credit, posted then released (two credit-history rows, written by the schema's
triggers). The schema comes from the store itself.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator

BATCH = 20_000


async def _create(path: Path) -> None:
    async with SqliteStore.open(path, clock=SystemClock(), ids=Uuid7Generator()):
        pass


def fill(path: Path, returns: int, *, ledgers: bool = False) -> float:
    """Seconds taken to create the schema and store `returns` finished returns."""
    started = time.perf_counter()
    asyncio.run(_create(path))
    now = time.time() - 86_400
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    try:
        for start in range(0, returns, BATCH):
            numbers = range(start, min(returns, start + BATCH))
            _batch(conn, numbers, now)
            if ledgers:
                _ledgers(conn, numbers, now)
            conn.commit()
    finally:
        conn.close()
    return time.perf_counter() - started


def _batch(conn: sqlite3.Connection, numbers: range, now: float) -> None:
    cases, inbox, outbox, events, timeline = [], [], [], [], []
    for n in numbers:
        rid = f"RB-H{n:08d}"
        case = {"case": {"return_id": rid, "client_order_id": f"H-{n}", "position": "CLOSED"}}
        body = json.dumps({"id": f"evt-h-{n}", "type": "return_order.processed", "data": {"returnId": rid}})
        cases.append((rid, f"H-{n}", f"ct-h-{n}", "CLOSED", 8, json.dumps(case).encode(), 8, now, now))
        inbox.append(
            ("rebound", f"evt-h-{n}", "return_order.processed", now, body.encode(), b"{}", b"{}", now)
        )
        outbox_id = f"h-{n:012d}"
        outbox.append((outbox_id, "AcknowledgeReturn", b"{}", f"ack:{rid}", now, now, b"{}", now))
        events.append((outbox_id, now, "leased", "done"))
        timeline += [
            (rid, now, "rebound", "event return_order.processed", "received", b"{}", f"ct-h-{n}"),
            (rid, now, "backflow", "case moved to CLOSED/PROCESSED", "applied", b"{}", f"ct-h-{n}"),
        ]
    conn.executemany(
        "INSERT INTO return_cases (return_id, client_order_id, ct_order_id, state, last_sequence, snapshot,"
        " version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        cases,
    )
    conn.executemany(
        "INSERT INTO inbox (source, source_id, kind, received_at, body, headers, trace_ctx, status,"
        " processed_at) VALUES (?,?,?,?,?,?,?,'processed',?)",
        inbox,
    )
    conn.executemany(
        "INSERT INTO outbox (id, kind, payload, idempotency_key, status, attempts, available_at, created_at,"
        " trace_ctx, finished_at) VALUES (?,?,?,?,'done',1,?,?,?,?)",
        outbox,
    )
    conn.executemany(
        "INSERT INTO outbox_events (outbox_id, at, from_status, to_status) VALUES (?,?,?,?)", events
    )
    conn.executemany(
        "INSERT INTO timeline (return_id, at, source, action, outcome, detail, order_ref)"
        " VALUES (?,?,?,?,?,?,?)",
        timeline,
    )


def _ledgers(conn: sqlite3.Connection, numbers: range, now: float) -> None:
    refunds, credits = [], []
    for n in numbers:
        rid = f"RB-H{n:08d}"
        refunds.append((f"rf-h-{n}", rid, b"[]", 1000, "EUR", f"pay-h-{n}", now, now))
        credits.append((rid, "EUR", 1000, now))
    conn.executemany(
        "INSERT INTO refunds (interaction_id, return_id, lines, amount_minor, currency, payment_id, outcome,"
        " state, recorded_at, updated_at) VALUES (?,?,?,?,?,?,'original-payment','recorded',?,?)",
        refunds,
    )
    conn.executemany(
        "INSERT INTO pending_credits (return_id, currency, amount_minor, state, posted_at)"
        " VALUES (?,?,?,'posted',?)",
        credits,
    )
    conn.executemany(
        "UPDATE pending_credits SET state = 'released', released_at = ? WHERE return_id = ? AND currency = ?",
        [(now, rid, currency) for rid, currency, _, _ in credits],
    )
