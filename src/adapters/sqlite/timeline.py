"""A return's timeline: entries staged in the unit of work, read back oldest first."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite.codec import dt, ts
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.staging import Staging
from backflow.ports.timeline import TimelineEntry


class SqliteTimelineWriter:
    def __init__(self, staging: Staging) -> None:
        self._staging = staging

    def add(self, entry: TimelineEntry) -> None:
        params = {
            "return_id": entry.return_id,
            "at": ts(entry.at),
            "source": entry.source,
            "action": entry.action,
            "outcome": entry.outcome,
            "detail": entry.detail,
            "order_ref": entry.order_ref,
        }

        def insert(conn: sqlite3.Connection, _now: float) -> None:
            conn.execute(q("timeline_insert"), params)

        self._staging.add(insert)


class SqliteTimelineReader:
    def __init__(self, readers: ReaderPool) -> None:
        self._readers = readers

    async def for_return(self, return_id: str, *, limit: int = 500) -> list[TimelineEntry]:
        rows = await self._readers.fetchall(
            q("timeline_for_return"), {"return_id": return_id, "limit": limit}
        )
        return [_entry(row) for row in rows]

    async def latest(self, return_id: str, *, action: str) -> TimelineEntry | None:
        row = await self._readers.fetchone(q("timeline_latest"), {"return_id": return_id, "action": action})
        return None if row is None else _entry(row)


def _entry(row: sqlite3.Row) -> TimelineEntry:
    return TimelineEntry(
        return_id=row["return_id"],
        at=dt(row["at"]),
        source=row["source"],
        action=row["action"],
        outcome=row["outcome"],
        detail=bytes(row["detail"]),
        order_ref=row["order_ref"],
    )
