"""Operational exceptions with dedupe by key and a history of every sighting and state change."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.postgresql.codec import exception_event, exception_record, ts
from backflow.adapters.postgresql.database import Connection, Database
from backflow.adapters.postgresql.sql import q
from backflow.adapters.postgresql.staging import Staging, statement
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import (
    AlertReason,
    ExceptionEvent,
    ExceptionRecord,
    ExceptionState,
    NewException,
)

_ACTIONS = {
    ExceptionState.OPEN: "reopened",
    ExceptionState.ACKNOWLEDGED: "acknowledged",
    ExceptionState.RESOLVED: "resolved",
}


class PostgresExceptions:
    def __init__(self, db: Database, staging: Staging) -> None:
        self._db = db
        self._staging = staging

    async def get(self, exception_id: int) -> ExceptionRecord | None:
        row = await self._db.fetchone(q("exception_get"), {"id": exception_id})
        return None if row is None else exception_record(row)

    async def unresolved(self, *, owner: str | None = None, limit: int = 100) -> list[ExceptionRecord]:
        rows = await self._db.fetchall(q("exception_unresolved"), {"owner": owner, "limit": limit})
        return [exception_record(row) for row in rows]

    async def events(self, exception_id: int) -> list[ExceptionEvent]:
        rows = await self._db.fetchall(q("exception_events"), {"exception_id": exception_id})
        return [exception_event(row) for row in rows]

    def raise_exception(self, exception: NewException) -> None:
        params = {
            "type": exception.type,
            "owner": exception.owner,
            "severity": exception.severity.value,
            "dedupe_key": exception.dedupe_key,
            "return_id": exception.return_id,
            "order_ref": exception.order_ref,
            "evidence": exception.evidence,
        }

        async def upsert(conn: Connection, now: datetime) -> None:
            row = await (await conn.execute(q("exception_raise"), {**params, "now": now})).fetchone()
            assert row is not None  # an upsert with RETURNING always yields its row
            action = "raised" if row["count"] == 1 else "seen_again"
            await _event(conn, row["id"], now=now, action=action, actor=None, note=None)

        self._staging.add(upsert)

    def change_state(self, exception_id: int, state: ExceptionState, *, actor: str, note: str | None) -> None:
        params = {"id": exception_id, "state": state.value, "actor": actor, "note": note}

        async def change(conn: Connection, now: datetime) -> None:
            if state is not ExceptionState.RESOLVED and await _merged_into_unresolved(
                conn, exception_id, now, actor
            ):
                return
            changed = (await conn.execute(q("exception_change_state"), {**params, "now": now})).rowcount == 1
            if changed:
                await _event(conn, exception_id, now=now, action=_ACTIONS[state], actor=actor, note=note)
            elif await _get(conn, exception_id) is None:
                raise NotFoundError(f"exception {exception_id} does not exist")

        self._staging.add(change)

    def record_action(self, exception_id: int, action: str, *, actor: str, note: str | None) -> None:
        async def record(conn: Connection, now: datetime) -> None:
            if await _get(conn, exception_id) is None:
                raise NotFoundError(f"exception {exception_id} does not exist")
            await _event(conn, exception_id, now=now, action=action, actor=actor, note=note)

        self._staging.add(record)

    def resolve_key(self, dedupe_key: str, *, actor: str, note: str) -> None:
        async def resolve(conn: Connection, now: datetime) -> None:
            cursor = await conn.execute(q("exception_unresolved_with_key"), {"dedupe_key": dedupe_key})
            row = await cursor.fetchone()
            if row is None:
                return
            params = {"id": row["id"], "state": ExceptionState.RESOLVED.value, "actor": actor, "note": note}
            if (await conn.execute(q("exception_change_state"), {**params, "now": now})).rowcount == 1:
                await _event(conn, row["id"], now=now, action="resolved", actor=actor, note=note)

        self._staging.add(resolve)

    async def alert_candidates(
        self, *, opened_after: datetime, first_seen_before: datetime, limit: int
    ) -> list[tuple[ExceptionRecord, AlertReason]]:
        opened = await self._db.fetchall(
            q("exception_alert_opened"), {"opened_after": ts(opened_after), "limit": limit}
        )
        aged = await self._db.fetchall(
            q("exception_alert_aged"), {"first_seen_before": ts(first_seen_before), "limit": limit}
        )
        found: list[tuple[ExceptionRecord, AlertReason]] = [(exception_record(r), "opened") for r in opened]
        found += [(exception_record(r), "age_limit") for r in aged]
        return found

    def mark_alerted(self, exception_id: int, reason: AlertReason) -> None:
        self._staging.add(
            statement("exception_mark_alerted", {"exception_id": exception_id, "reason": reason})
        )


async def _get(conn: Connection, exception_id: int) -> dict[str, object] | None:
    return await (await conn.execute(q("exception_get"), {"id": exception_id})).fetchone()


async def _merged_into_unresolved(conn: Connection, exception_id: int, now: datetime, actor: str) -> bool:
    """Reopening a resolved exception whose problem is already open again under the same key would
    break the one-unresolved-per-key index: count a sighting on the open one instead (the resolved
    one keeps its history), so the caller never sees a raw unique violation."""
    row = await _get(conn, exception_id)
    if row is None or row["state"] != ExceptionState.RESOLVED:
        return False
    params = {"dedupe_key": row["dedupe_key"], "id": exception_id}
    other = await (await conn.execute(q("exception_unresolved_by_key"), params)).fetchone()
    if other is None:
        return False
    await conn.execute(q("exception_bump"), {"id": other["id"], "now": now})
    note = f"reopen of exception {exception_id} counted here"
    await _event(conn, other["id"], now=now, action="seen_again", actor=actor, note=note)
    return True


async def _event(
    conn: Connection, exception_id: object, *, now: datetime, action: str, actor: str | None, note: str | None
) -> None:
    params = {"exception_id": exception_id, "at": now, "action": action, "actor": actor, "note": note}
    await conn.execute(q("exception_event_insert"), params)
