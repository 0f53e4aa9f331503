"""Outbox writes as plain async functions of a connection, run inside the caller's transaction.

Every status change also appends to outbox_events, in the same transaction, so a row's history is
complete by construction (as in the SQLite store).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import psycopg.errors

from backflow.adapters.postgresql.codec import encode_map, outbox_row
from backflow.adapters.postgresql.database import Connection, notify
from backflow.adapters.postgresql.notifications import OUTBOX_CHANNEL
from backflow.adapters.postgresql.sql import q
from backflow.ports.outbox import OutboxMessage, OutboxRow, OutboxStatus, RetryPolicy

# A live row seen by the insert can finish before we read its id: insert again, a few times at most.
_APPEND_TRIES = 5
# Any constant shared by every replica (distinct from the migration lock): claims take it in turn.
CLAIM_LOCK = 0x6266636C61696D  # "bfclaim"


async def record_event(
    conn: Connection,
    outbox_id: str,
    *,
    now: datetime,
    from_status: OutboxStatus | None,
    to_status: OutboxStatus,
    actor: str | None,
    detail: str | None = None,
) -> None:
    params = {
        "outbox_id": outbox_id,
        "at": now,
        "from_status": None if from_status is None else from_status.value,
        "to_status": to_status.value,
        "actor": actor,
        "detail": detail,
    }
    await conn.execute(q("outbox_event_insert"), params)


async def append(conn: Connection, new_id: str, message: OutboxMessage, now: datetime) -> tuple[str, bool]:
    """Insert unless a live row has the key: (id, duplicate)."""
    available_at = now if message.available_at is None else message.available_at
    params = {
        "id": new_id,
        "kind": message.kind,
        "payload": message.payload,
        "idempotency_key": message.idempotency_key,
        "available_at": available_at,
        "now": now,
        "trace_ctx": encode_map(message.trace_ctx),
        "lock_key": message.lock_key,
    }
    for _ in range(_APPEND_TRIES):
        inserted = await (await conn.execute(q("outbox_insert"), params)).fetchone()
        if inserted is not None:
            await record_event(
                conn,
                new_id,
                now=now,
                from_status=None,
                to_status=OutboxStatus.PENDING,
                actor=None,
                detail=message.kind,
            )
            await notify(conn, OUTBOX_CHANNEL)
            return new_id, False
        key = {"idempotency_key": message.idempotency_key}
        existing = await (await conn.execute(q("outbox_live_by_key"), key)).fetchone()
        if existing is not None:
            return str(existing["id"]), True
    raise RuntimeError(f"outbox key {message.idempotency_key!r} kept changing under concurrent appends")


async def claim(
    conn: Connection,
    owner: str,
    *,
    now: datetime,
    lease_seconds: float,
    limit: int,
    kinds: Sequence[str] | None,
) -> list[OutboxRow]:
    params = {
        "owner": owner,
        "now": now,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "limit": limit,
        "any_kind": kinds is None,
        "kinds": list(kinds or ()),
    }
    await conn.execute(q("outbox_claim_lock"), {"lock": CLAIM_LOCK})
    rows = await (await conn.execute(q("outbox_claim"), params)).fetchall()
    rows.sort(key=lambda row: row["id"])
    if rows:
        async with conn.cursor() as cursor:
            await cursor.executemany(
                q("outbox_event_insert"),
                [
                    {
                        "outbox_id": row["id"],
                        "at": now,
                        "from_status": "pending" if row["previous_owner"] is None else "leased",
                        "to_status": "leased",
                        "actor": owner,
                        "detail": f"attempt {row['attempts']}"
                        + (
                            ""
                            if row["previous_owner"] is None
                            else f", lease of {row['previous_owner']} lapsed"
                        ),
                    }
                    for row in rows
                ],
            )
    return [outbox_row(row) for row in rows]


async def renew(conn: Connection, outbox_id: str, owner: str, lease_until: datetime) -> bool:
    params = {"id": outbox_id, "owner": owner, "lease_until": lease_until}
    return (await conn.execute(q("outbox_renew"), params)).rowcount == 1


async def complete(conn: Connection, outbox_id: str, owner: str, now: datetime) -> bool:
    # The owner check is what stops a double completion after a lease was lost and re-claimed.
    params = {"id": outbox_id, "owner": owner, "now": now}
    done = (await conn.execute(q("outbox_complete"), params)).rowcount == 1
    if done:
        await record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.LEASED,
            to_status=OutboxStatus.DONE,
            actor=owner,
        )
    return done


async def fail(
    conn: Connection,
    outbox_id: str,
    owner: str,
    *,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    random01: Callable[[], float],
) -> OutboxStatus | None:
    # FOR UPDATE: the attempt count read is the one the decision is written against.
    held = await (await conn.execute(q("outbox_held_by"), {"id": outbox_id, "owner": owner})).fetchone()
    if held is None:
        return None
    attempt = int(held["attempts"])
    if policy.exhausted(attempt):
        await conn.execute(q("outbox_bury"), {"id": outbox_id, "owner": owner, "error": error, "now": now})
        await record_event(
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
    params = {
        "id": outbox_id,
        "owner": owner,
        "error": error,
        "available_at": now + timedelta(seconds=delay),
    }
    await conn.execute(q("outbox_retry_later"), params)
    await record_event(
        conn,
        outbox_id,
        now=now,
        from_status=OutboxStatus.LEASED,
        to_status=OutboxStatus.PENDING,
        actor=owner,
        detail=f"retry in {delay:.3f}s: {error}",
    )
    return OutboxStatus.PENDING


async def requeue(conn: Connection, outbox_id: str, actor: str, now: datetime) -> bool:
    try:
        # A savepoint: the unique violation below must not abort the caller's transaction.
        async with conn.transaction():
            moved = (await conn.execute(q("outbox_requeue"), {"id": outbox_id, "now": now})).rowcount == 1
    except psycopg.errors.UniqueViolation:
        # A newer live row already carries the same idempotency key: that one will do the work.
        return False
    if moved:
        await record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.DEAD,
            to_status=OutboxStatus.PENDING,
            actor=actor,
            detail="requeued",
        )
        await notify(conn, OUTBOX_CHANNEL)
    return moved


async def resolve(conn: Connection, outbox_id: str, actor: str, note: str, now: datetime) -> bool:
    moved = (await conn.execute(q("outbox_resolve"), {"id": outbox_id, "now": now})).rowcount == 1
    if moved:
        await record_event(
            conn,
            outbox_id,
            now=now,
            from_status=OutboxStatus.DEAD,
            to_status=OutboxStatus.DONE,
            actor=actor,
            detail=f"resolved: {note}",
        )
    return moved
