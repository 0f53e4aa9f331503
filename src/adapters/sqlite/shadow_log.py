"""SqliteShadowLog: shadow mode's would-be writes, durable like every other record."""

from __future__ import annotations

from backflow.adapters.sqlite.codec import dt, ts
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.writer import GroupCommitWriter
from backflow.ports.shadow import ShadowWrite


class SqliteShadowLog:
    def __init__(self, writer: GroupCommitWriter, readers: ReaderPool) -> None:
        self._writer = writer
        self._readers = readers

    async def record(self, write: ShadowWrite) -> None:
        params = {
            "target": write.target,
            "operation": write.operation,
            "arguments": write.arguments,
            "at": ts(write.at),
            "trace_id": write.trace_id,
        }
        await self._writer.submit(lambda c: c.execute(q("shadow_insert"), params))

    async def count(self) -> int:
        row = await self._readers.fetchone(q("shadow_count"), {})
        return 0 if row is None else int(row["count"])

    async def recent(self, *, limit: int = 100) -> list[ShadowWrite]:
        rows = await self._readers.fetchall(q("shadow_recent"), {"limit": limit})
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
