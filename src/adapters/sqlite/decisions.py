"""Refund decisions on SQLite: reads shared (adapters.sqlstore), the checked insert on the writer."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlstore.decisions import RefundDecisions, check_not_decided_otherwise, decision_params
from backflow.ports.decisions import RefundDecision


class SqliteRefundDecisions(RefundDecisions):
    dialect = SQLITE

    def record(self, decision: RefundDecision) -> None:
        params = decision_params(decision)

        def insert(conn: sqlite3.Connection, now: float) -> None:
            if conn.execute(q("decision_record"), {**params, "now": now}).rowcount == 1:
                return
            check_not_decided_otherwise(conn.execute(q("decision_for_exception"), params).fetchone(), params)

        self._staging.add(insert)
