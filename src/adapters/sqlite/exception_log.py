"""Exceptions on SQLite: reads in adapters.sqlstore; its writes read back on the unit's connection."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlstore.exception_log import ACTIONS, ExceptionReads, raise_params
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionState, NewException


class SqliteExceptions(ExceptionReads):
    dialect = SQLITE

    def raise_exception(self, exception: NewException) -> None:
        params = raise_params(exception)

        def upsert(conn: sqlite3.Connection, now: float) -> None:
            row = conn.execute(q("exception_raise"), {**params, "now": now}).fetchone()
            action = "raised" if row["count"] == 1 else "seen_again"
            _event(conn, row["id"], now=now, action=action, actor=None, note=None)

        self._staging.add(upsert)

    def change_state(self, exception_id: int, state: ExceptionState, *, actor: str, note: str | None) -> None:
        params = {"id": exception_id, "state": state, "actor": actor, "note": note}

        def change(conn: sqlite3.Connection, now: float) -> None:
            if state is not ExceptionState.RESOLVED and _merged_into_unresolved(
                conn, exception_id, now, actor
            ):
                return
            changed = conn.execute(q("exception_change_state"), {**params, "now": now}).rowcount == 1
            if changed:
                _event(conn, exception_id, now=now, action=ACTIONS[state], actor=actor, note=note)
            elif conn.execute(q("exception_get"), {"id": exception_id}).fetchone() is None:
                raise NotFoundError(f"exception {exception_id} does not exist")

        self._staging.add(change)

    def record_action(self, exception_id: int, action: str, *, actor: str, note: str | None) -> None:
        def record(conn: sqlite3.Connection, now: float) -> None:
            if conn.execute(q("exception_get"), {"id": exception_id}).fetchone() is None:
                raise NotFoundError(f"exception {exception_id} does not exist")
            _event(conn, exception_id, now=now, action=action, actor=actor, note=note)

        self._staging.add(record)

    def resolve_key(self, dedupe_key: str, *, actor: str, note: str) -> None:
        def resolve(conn: sqlite3.Connection, now: float) -> None:
            row = conn.execute(q("exception_unresolved_with_key"), {"dedupe_key": dedupe_key}).fetchone()
            if row is None:
                return
            params = {"id": row["id"], "state": ExceptionState.RESOLVED, "actor": actor, "note": note}
            if conn.execute(q("exception_change_state"), {**params, "now": now}).rowcount == 1:
                _event(conn, row["id"], now=now, action="resolved", actor=actor, note=note)

        self._staging.add(resolve)


def _merged_into_unresolved(conn: sqlite3.Connection, exception_id: int, now: float, actor: str) -> bool:
    """Reopening a resolved exception whose problem is already open again under the same key would
    break the one-unresolved-per-key index: count a sighting on the open one instead (the resolved
    one keeps its history), so the caller never sees a raw IntegrityError."""
    row = conn.execute(q("exception_get"), {"id": exception_id}).fetchone()
    if row is None or row["state"] != ExceptionState.RESOLVED:
        return False
    other = conn.execute(
        q("exception_unresolved_by_key"), {"dedupe_key": row["dedupe_key"], "id": exception_id}
    ).fetchone()
    if other is None:
        return False
    conn.execute(q("exception_bump"), {"id": other["id"], "now": now})
    note = f"reopen of exception {exception_id} counted here"
    _event(conn, other["id"], now=now, action="seen_again", actor=actor, note=note)
    return True


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
