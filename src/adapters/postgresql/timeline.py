"""A return's timeline: entries staged in the unit of work, read back oldest first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backflow.adapters.postgresql.codec import dt, ts
from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import q
from backflow.adapters.postgresql.staging import Staging, statement
from backflow.ports.timeline import TimelineEntry


class PostgresTimelineWriter:
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
        self._staging.add(statement("timeline_insert", params))


class PostgresTimelineReader:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_return(self, return_id: str, *, limit: int = 500) -> list[TimelineEntry]:
        rows = await self._db.fetchall(q("timeline_for_return"), {"return_id": return_id, "limit": limit})
        return [_entry(row) for row in rows]

    async def latest(self, return_id: str, *, action: str) -> TimelineEntry | None:
        row = await self._db.fetchone(q("timeline_latest"), {"return_id": return_id, "action": action})
        return None if row is None else _entry(row)


def _entry(row: Mapping[str, Any]) -> TimelineEntry:
    return TimelineEntry(
        return_id=row["return_id"],
        at=dt(row["at"]),
        source=row["source"],
        action=row["action"],
        outcome=row["outcome"],
        detail=bytes(row["detail"]),
        order_ref=row["order_ref"],
    )
