"""Named watermarks (message cursor, catch-up high-water marks): one row per name, last write wins."""

from __future__ import annotations

from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import q
from backflow.ports.clock import Clock


class PostgresWatermarks:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, name: str) -> bytes | None:
        row = await self._db.fetchone(q("watermark_get"), {"name": name})
        return None if row is None else bytes(row["value"])

    async def set(self, name: str, value: bytes) -> None:
        await self._db.execute(q("watermark_set"), {"name": name, "value": value, "now": self._clock.now()})
