"""Exceptions on PostgreSQL: reads in adapters.sqlstore; its writes read back on the unit's connection."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.postgresql.sql import q
from backflow.adapters.sqlstore.exception_log import ACTIONS, ExceptionReads, raise_params
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionState, NewException


class PostgresExceptions(ExceptionReads):
    dialect = POSTGRES

    def raise_exception(self, exception: NewException) -> None:
        params = raise_params(exception)

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
                await _event(conn, exception_id, now=now, action=ACTIONS[state], actor=actor, note=note)
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
