"""Named watermarks (message cursor, catch-up high-water marks): one row per name, last write wins."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.writer import GroupCommitWriter
from backflow.ports.clock import Clock


class SqliteWatermarks:
    def __init__(self, writer: GroupCommitWriter, readers: ReaderPool, clock: Clock) -> None:
        self._writer = writer
        self._readers = readers
        self._clock = clock

    async def get(self, name: str) -> bytes | None:
        row = await self._readers.fetchone(q("watermark_get"), {"name": name})
        return None if row is None else bytes(row["value"])

    async def set(self, name: str, value: bytes) -> None:
        params = {"name": name, "value": value, "now": self._clock.now().timestamp()}

        def upsert(conn: sqlite3.Connection) -> None:
            conn.execute(q("watermark_set"), params)

        await self._writer.submit(upsert)
