"""Where each order's sync lag went, read from a daemon's own database after a run.

    .venv/bin/python bench/sync_lag_stages.py <backflow.sqlite3> [order-number prefix, default SURGE]

Stages of one order (the row of its first OrderCreated message and the SyncOrder row of the version
synced): the order's lastModifiedAt → the push received (the simulator's delivery) → the event
processed in the inbox's orders lane → the SyncOrder row first leased (the wait for an order-sync
worker) → the order recorded as synced (the worker: reads, the ReBound upsert) → the row done.
Percentiles per stage, each over the orders that have it (and none of whose versions was recorded
without a sync).
"""

from __future__ import annotations

import sqlite3
import sys

STAGES = """
WITH s AS (
    SELECT ct_order_id, ct_version, last_synced_at AS synced, last_synced_at - lag_seconds AS t0, lag_seconds
    FROM synced_orders WHERE order_number LIKE :prefix || '%' AND lag_seconds IS NOT NULL {skipped}),
i AS (
    SELECT coalesce(json_extract(body, '$.resource.id'), json_extract(body, '$.data.resource.id')) AS oid,
           min(received_at) AS received, min(processed_at) AS processed
    FROM inbox WHERE source = 'commercetools' AND kind = 'OrderCreated' GROUP BY oid),
o AS (
    SELECT id, idempotency_key, created_at, finished_at,
           (SELECT min(at) FROM outbox_events e WHERE e.outbox_id = outbox.id AND e.to_status = 'leased')
               AS leased
    FROM outbox WHERE kind = 'SyncOrder')
SELECT s.lag_seconds, i.received - s.t0, i.processed - i.received, o.leased - o.created_at,
       s.synced - o.leased, o.finished_at - s.synced
FROM s JOIN i ON i.oid = s.ct_order_id
JOIN o ON o.idempotency_key = 'sync:' || s.ct_order_id || ':' || s.ct_version
"""
LEFT_OUT = "SELECT count(*) FROM synced_orders WHERE order_number LIKE :prefix || '%' AND resyncs_skipped > 0"
NAMES = (
    "sync lag (lastModifiedAt -> synced)",
    "push delivery (-> received)",
    "inbox orders lane (received -> processed)",
    "wait for a worker (row created -> leased)",
    "worker (leased -> synced)",
    "completion (synced -> row done)",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def stages(db: str, prefix: str) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(synced_orders)")}
        # An order whose later versions were recorded without a sync keeps its first sync's lag, but
        # its version's row is the skip's: its stages would mix two rows, so it is left out here.
        skipped = "AND resyncs_skipped = 0" if "resyncs_skipped" in columns else ""
        rows = conn.execute(STAGES.format(skipped=skipped), {"prefix": prefix}).fetchall()
        left_out = conn.execute(LEFT_OUT, {"prefix": prefix}).fetchone()[0] if skipped else 0
    lines = [f"orders: {len(rows)} (left out: {left_out} with re-syncs skipped)"]
    for k, name in enumerate(NAMES):
        values = [row[k] for row in rows if row[k] is not None]
        if values:
            figures = " ".join(f"p{round(q * 100)} {percentile(values, q):7.3f}" for q in (0.5, 0.95, 0.99))
            lines.append(f"{name:44s} {figures}")
    return lines


if __name__ == "__main__":
    print("\n".join(stages(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "SURGE")))
