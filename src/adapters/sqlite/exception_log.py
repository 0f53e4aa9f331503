"""Operational exceptions with dedupe by key and a history of every sighting and state change."""

from __future__ import annotations

import sqlite3

from adapters.sqlite.codec import exception_event, exception_record
from adapters.sqlite.readers import ReaderPool
from adapters.sqlite.sql import q
from adapters.sqlite.staging import Staging
from ports.errors import NotFoundError
from ports.exceptions import ExceptionEvent, ExceptionRecord, ExceptionState, NewException

_ACTIONS = {
    ExceptionState.OPEN: "reopened",
    ExceptionState.ACKNOWLEDGED: "acknowledged",
    ExceptionState.RESOLVED: "resolved",
}


class SqliteExceptions:
    def __init__(self, readers: ReaderPool, staging: Staging) -> None:
        self._readers = readers
        self._staging = staging

    async def get(self, exception_id: int) -> ExceptionRecord | None:
        row = await self._readers.fetchone(q("exception_get"), {"id": exception_id})
        return None if row is None else exception_record(row)

    async def unresolved(self, *, owner: str | None = None, limit: int = 100) -> list[ExceptionRecord]:
        rows = await self._readers.fetchall(q("exception_unresolved"), {"owner": owner, "limit": limit})
        return [exception_record(row) for row in rows]

    async def events(self, exception_id: int) -> list[ExceptionEvent]:
        rows = await self._readers.fetchall(q("exception_events"), {"exception_id": exception_id})
        return [exception_event(row) for row in rows]

    def raise_exception(self, exception: NewException) -> None:
        params = {
            "type": exception.type,
            "owner": exception.owner,
            "severity": exception.severity,
            "dedupe_key": exception.dedupe_key,
            "return_id": exception.return_id,
            "order_ref": exception.order_ref,
            "evidence": exception.evidence,
        }

        def upsert(conn: sqlite3.Connection, now: float) -> None:
            row = conn.execute(q("exception_raise"), {**params, "now": now}).fetchone()
            action = "raised" if row["count"] == 1 else "seen_again"
            _event(conn, row["id"], now=now, action=action, actor=None, note=None)

        self._staging.add(upsert)

    def change_state(self, exception_id: int, state: ExceptionState, *, actor: str, note: str | None) -> None:
        params = {"id": exception_id, "state": state, "actor": actor, "note": note}

        def change(conn: sqlite3.Connection, now: float) -> None:
            changed = conn.execute(q("exception_change_state"), {**params, "now": now}).rowcount == 1
            if changed:
                _event(conn, exception_id, now=now, action=_ACTIONS[state], actor=actor, note=note)
            elif conn.execute(q("exception_get"), {"id": exception_id}).fetchone() is None:
                raise NotFoundError(f"exception {exception_id} does not exist")

        self._staging.add(change)


def _event(
    conn: sqlite3.Connection,
    exception_id: int,
    *,
    now: float,
    action: str,
    actor: str | None,
    note: str | None,
) -> None:
    params = {"exception_id": exception_id, "at": now, "action": action, "actor": actor, "note": note}
    conn.execute(q("exception_event_insert"), params)
