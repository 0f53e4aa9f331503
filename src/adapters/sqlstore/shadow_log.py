"""Shadow mode's would-be writes, durable like every other record; the insert is the engine's."""

from __future__ import annotations

from backflow.adapters.sqlstore.dialect import Reads
from backflow.ports.shadow import ShadowWrite


class ShadowLogReads(Reads):
    def _params(self, write: ShadowWrite) -> dict[str, object]:
        return {
            "target": write.target,
            "operation": write.operation,
            "arguments": write.arguments,
            "at": self.dialect.ts(write.at),
            "trace_id": write.trace_id,
        }

    async def count(self) -> int:
        row = await self._one("shadow_count", {})
        return 0 if row is None else int(row["count"])

    async def recent(self, *, limit: int = 100) -> list[ShadowWrite]:
        return [
            ShadowWrite(
                target=r["target"],
                operation=r["operation"],
                arguments=bytes(r["arguments"]),
                at=self.dialect.dt(r["at"]),
                trace_id=r["trace_id"],
            )
            for r in await self._all("shadow_recent", {"limit": limit})
        ]
