"""Refund decisions on PostgreSQL: reads shared (adapters.sqlstore), the checked insert in the unit."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.postgresql.sql import q
from backflow.adapters.sqlstore.decisions import RefundDecisions, check_not_decided_otherwise, decision_params
from backflow.ports.decisions import RefundDecision


class PostgresRefundDecisions(RefundDecisions):
    dialect = POSTGRES

    def record(self, decision: RefundDecision) -> None:
        params = decision_params(decision)

        async def insert(conn: Connection, now: datetime) -> None:
            if (await conn.execute(q("decision_record"), {**params, "now": now})).rowcount == 1:
                return
            cursor = await conn.execute(q("decision_for_exception"), {"exception_id": decision.exception_id})
            check_not_decided_otherwise(await cursor.fetchone(), params)

        self._staging.add(insert)
