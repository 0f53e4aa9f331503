"""SqliteShadowLog: reads shared (adapters.sqlstore); the insert goes through the group-commit writer."""

from __future__ import annotations

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.writer import GroupCommitWriter
from backflow.adapters.sqlstore.shadow_log import ShadowLogReads
from backflow.ports.shadow import ShadowWrite


class SqliteShadowLog(ShadowLogReads):
    dialect = SQLITE

    def __init__(self, writer: GroupCommitWriter, readers: ReaderPool) -> None:
        super().__init__(readers)
        self._writer = writer

    async def record(self, write: ShadowWrite) -> None:
        params = self._params(write)
        await self._writer.submit(lambda c: c.execute(q("shadow_insert"), params))
