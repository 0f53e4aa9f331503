"""Outbox writes as plain functions of the writer connection, run inside the writer's transaction.

Every status change also appends to outbox_events, in the same transaction, so a row's history is
complete by construction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

import msgspec

from backflow.adapters.sqlite.codec import encode_map, outbox_row
from backflow.adapters.sqlite.sql import q
from backflow.ports.outbox import OutboxMessage, OutboxRow, OutboxStatus, RetryPolicy


def record_event(
    conn: sqlite3.Connection,
    outbox_id: str,
    *,
    now: float,
    from_status: OutboxStatus | None,
    to_status: OutboxStatus,
    actor: str | None,
    detail: str | None = None,
) -> None:
    conn.execute(
        q("outbox_event_insert"),
        {
            "outbox_id": outbox_id,
            "at": now,
            "from_status": from_status,
            "to_status": to_status,
            "actor": actor,
            "detail": detail,
        },
    )


def append(conn: sqlite3.Connection, new_id: str, message: OutboxMessage, now: float) -> tuple[str, bool]:
    """Insert unless a live row has the key: (id, duplicate)."""
    available_at = now if message.available_at is None else message.available_at.timestamp()
    inserted = conn.execute(
        q("outbox_insert"),
        {
            "id": new_id,
            "kind": message.kind,
            "payload": message.payload,
            "idempotency_key": message.idempotency_key,
            "available_at": available_at,
            "now": now,
            "trace_ctx": encode_map(message.trace_ctx),
            "lock_key": message.lock_key,
        },
    ).fetchone()
    if inserted is None:
        existing = conn.execute(
            q("outbox_live_by_key"), {"idempotency_key": message.idempotency_key}
        ).fetchone()
        return existing["id"], True
    record_event(
        conn,
        new_id,
        now=now,
        from_status=None,
        to_status=OutboxStatus.PENDING,
        actor=None,
        detail=message.kind,
    )
    return new_id, False


def claim(
    conn: sqlite3.Connection,
    owner: str,
    *,
    now: float,
    lease_seconds: float,
    limit: int,
    kinds: Sequence[str] | None,
) -> list[OutboxRow]:
    rows = conn.execute(
        q("outbox_claim"),
        {
            "owner": owner,
            "now": now,
            "lease_until": now + lease_seconds,
            "limit": limit,
            "any_kind": kinds is None,
            "kinds": encode_kinds(kinds),
        },
    ).fetchall()
    rows.sort(key=lambda row: row["id"])
    conn.executemany(
        q("outbox_event_insert"),
        [
            {
                "outbox_id": row["id"],
                "at": now,
                "from_status": OutboxStatus.PENDING if row["previous_owner"] is None else OutboxStatus.LEASED,
                "to_status": OutboxStatus.LEASED,
                "actor": owner,
                "detail": f"attempt {row['attempts']}"
                + ("" if row["previous_owner"] is None else f", lease of {row['previous_owner']} lapsed"),
            }
            for row in rows
        ],
    )
    return [outbox_row(row) for row in rows]


def renew(conn: sqlite3.Connection, outbox_id: str, owner: str, lease_until: float) -> bool:
    params = {"id": outbox_id, "owner": owner, "lease_until": lease_until}
    return conn.execute(q("outbox_renew"), params).rowcount == 1


def complete(conn: sqlite3.Connection, outbox_id: str, owner: str, now: float) -> bool:
    # The owner check is what stops a double completion after a lease was lost and re-claimed.
    done = conn.execute(q("outbox_complete"), {"id": outbox_id, "owner": owner, "now": now}).rowcount == 1
    if done:
        record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.LEASED,
            to_status=OutboxStatus.DONE,
            actor=owner,
        )
    return done


def fail(
    conn: sqlite3.Connection,
    outbox_id: str,
    owner: str,
    *,
    error: str,
    now: float,
    policy: RetryPolicy,
    random01: Callable[[], float],
) -> OutboxStatus | None:
    held = conn.execute(q("outbox_held_by"), {"id": outbox_id, "owner": owner}).fetchone()
    if held is None:
        return None
    attempt = int(held["attempts"])
    if policy.exhausted(attempt):
        conn.execute(q("outbox_bury"), {"id": outbox_id, "owner": owner, "error": error, "now": now})
        record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.LEASED,
            to_status=OutboxStatus.DEAD,
            actor=owner,
            detail=error,
        )
        return OutboxStatus.DEAD
    delay = policy.delay(attempt, random01)
    params = {"id": outbox_id, "owner": owner, "error": error, "available_at": now + delay}
    conn.execute(q("outbox_retry_later"), params)
    detail = f"retry in {delay:.3f}s: {error}"
    record_event(
        conn,
        outbox_id,
        now=now,
        from_status=OutboxStatus.LEASED,
        to_status=OutboxStatus.PENDING,
        actor=owner,
        detail=detail,
    )
    return OutboxStatus.PENDING


def requeue(conn: sqlite3.Connection, outbox_id: str, actor: str, now: float) -> bool:
    try:
        moved = conn.execute(q("outbox_requeue"), {"id": outbox_id, "now": now}).rowcount == 1
    except sqlite3.IntegrityError:
        # A newer live row already carries the same idempotency key: that one will do the work.
        return False
    if moved:
        record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.DEAD,
            to_status=OutboxStatus.PENDING,
            actor=actor,
            detail="requeued",
        )
    return moved


def resolve(conn: sqlite3.Connection, outbox_id: str, actor: str, note: str, now: float) -> bool:
    moved = conn.execute(q("outbox_resolve"), {"id": outbox_id, "now": now}).rowcount == 1
    if moved:
        record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.DEAD,
            to_status=OutboxStatus.DONE,
            actor=actor,
            detail=f"resolved: {note}",
        )
    return moved


def encode_kinds(kinds: Sequence[str] | None) -> str:
    return "[]" if kinds is None else msgspec.json.encode(list(kinds)).decode()
