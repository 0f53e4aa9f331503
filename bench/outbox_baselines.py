"""What the outbox benchmark compares Backflow's outbox with: raw sqlite3 on the same table (one row
per transaction, the naive rate; or big batches, the ceiling) and huey's SqliteHuey end to end."""

from __future__ import annotations

import time
from pathlib import Path

import msgspec

from backflow.adapters.sqlite.connections import open_writer
from backflow.adapters.uuid7 import Uuid7Generator

# Every contender's job carries this payload (bench/outbox.py's messages too).
PAYLOAD = msgspec.json.encode({"return_id": "R-000123", "sku": "SKU-1", "quantity": 2, "channel": "main"})


def raw_appends(path: Path, total: int, batch: int) -> float:
    """Raw sqlite3 on the same schema: `batch` rows per transaction (1 = the naive rate)."""
    conn = open_writer(path)
    ids = Uuid7Generator()
    sql = (
        "INSERT INTO outbox (id, kind, payload, idempotency_key, status, available_at, created_at, trace_ctx)"
        " VALUES (?, 'restock', ?, ?, 'pending', ?, ?, x'7b7d')"
    )
    started = time.perf_counter()
    for start in range(0, total, batch):
        now = time.time()
        rows = [
            (ids.new_id(), PAYLOAD, f"key-{n}", now, now) for n in range(start, min(start + batch, total))
        ]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return total / elapsed


def huey_end_to_end(path: Path, total: int) -> float:
    from huey import SqliteHuey

    huey = SqliteHuey(filename=str(path), fsync=True, journal_mode="wal")

    @huey.task()
    def restock(payload: bytes) -> None:
        del payload

    started = time.perf_counter()
    for _ in range(total):
        restock(PAYLOAD)
    done = 0
    while done < total:
        task = huey.dequeue()
        if task is None:
            break
        done += 1
    elapsed = time.perf_counter() - started
    if done != total:
        raise RuntimeError(f"huey dequeued {done} of {total}")
    return total / elapsed
