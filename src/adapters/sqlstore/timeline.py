"""A return's timeline: entries staged in the unit of work, read back oldest first."""

from __future__ import annotations

from typing import ClassVar

from backflow.adapters.sqlstore.dialect import Dialect, Reads, Row, Staging
from backflow.ports.timeline import TimelineEntry


class TimelineWriter:
    dialect: ClassVar[Dialect]

    def __init__(self, staging: Staging) -> None:
        self._staging = staging

    def add(self, entry: TimelineEntry) -> None:
        params = {
            "return_id": entry.return_id,
            "at": self.dialect.ts(entry.at),
            "source": entry.source,
            "action": entry.action,
            "outcome": entry.outcome,
            "detail": entry.detail,
            "order_ref": entry.order_ref,
        }
        self._staging.add(self.dialect.statement("timeline_insert", params))


class TimelineReader(Reads):
    async def for_return(self, return_id: str, *, limit: int = 500) -> list[TimelineEntry]:
        rows = await self._all("timeline_for_return", {"return_id": return_id, "limit": limit})
        return [_entry(row, self.dialect) for row in rows]

    async def latest(self, return_id: str, *, action: str) -> TimelineEntry | None:
        row = await self._key_one("timeline_latest", {"return_id": return_id, "action": action})
        return None if row is None else _entry(row, self.dialect)


def _entry(row: Row, d: Dialect) -> TimelineEntry:
    return TimelineEntry(
        return_id=row["return_id"],
        at=d.dt(row["at"]),
        source=row["source"],
        action=row["action"],
        outcome=row["outcome"],
        detail=bytes(row["detail"]),
        order_ref=row["order_ref"],
    )
