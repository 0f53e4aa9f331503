"""PostgresShadowLog: shadow mode's would-be writes, durable like every other record."""

from __future__ import annotations

from backflow.adapters.postgresql.codec import dt, ts
from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import q
from backflow.ports.shadow import ShadowWrite


class PostgresShadowLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, write: ShadowWrite) -> None:
        params = {
            "target": write.target,
            "operation": write.operation,
            "arguments": write.arguments,
            "at": ts(write.at),
            "trace_id": write.trace_id,
        }
        await self._db.execute(q("shadow_insert"), params)

    async def count(self) -> int:
        row = await self._db.fetchone(q("shadow_count"), {})
        return 0 if row is None else int(row["count"])

    async def recent(self, *, limit: int = 100) -> list[ShadowWrite]:
        rows = await self._db.fetchall(q("shadow_recent"), {"limit": limit})
        return [
            ShadowWrite(
                target=r["target"],
                operation=r["operation"],
                arguments=bytes(r["arguments"]),
                at=dt(r["at"]),
                trace_id=r["trace_id"],
            )
            for r in rows
        ]
