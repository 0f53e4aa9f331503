"""PostgresShadowLog: reads shared (adapters.sqlstore); the insert is one statement on the pool."""

from __future__ import annotations

from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.postgresql.sql import q
from backflow.adapters.sqlstore.shadow_log import ShadowLogReads
from backflow.ports.shadow import ShadowWrite


class PostgresShadowLog(ShadowLogReads):
    dialect = POSTGRES

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._db = db

    async def record(self, write: ShadowWrite) -> None:
        await self._db.execute(q("shadow_insert"), self._params(write))
