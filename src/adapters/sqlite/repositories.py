"""Return cases and synced orders on SQLite: reads in adapters.sqlstore, checked writes on the writer."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlstore import repositories as shared
from backflow.adapters.sqlstore.dialect import Row
from backflow.adapters.sqlstore.repositories import order_lines, return_params, synced_order_params
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.synced_orders import SyncedOrder


def return_case(row: Row) -> ReturnCaseRecord:
    return shared.return_case(row, SQLITE)


class SqliteReturnCases(shared.ReturnCases):
    dialect = SQLITE

    def add(self, record: ReturnCaseRecord) -> None:
        params = return_params(record)

        def insert(conn: sqlite3.Connection, now: float) -> None:
            if conn.execute(q("return_case_insert"), {**params, "now": now}).rowcount != 1:
                raise shared.already_exists(record)

        self._staging.add(insert)

    def update(self, record: ReturnCaseRecord) -> None:
        params = return_params(record)

        def update(conn: sqlite3.Connection, now: float) -> None:
            if conn.execute(q("return_case_update"), {**params, "now": now}).rowcount != 1:
                current = conn.execute(q("return_case_get"), {"return_id": record.return_id}).fetchone()
                raise shared.stale_version(record, current)

        self._staging.add(update)


class SqliteSyncedOrders(shared.SyncedOrders):
    dialect = SQLITE

    def upsert(self, order: SyncedOrder) -> None:
        params = synced_order_params(order, SQLITE)
        lines = order_lines(order)

        def upsert(conn: sqlite3.Connection, _now: float) -> None:
            conn.execute(q("synced_order_upsert"), params)
            if lines:  # the lines of the version synced now replace what was known
                conn.execute(q("order_lines_clear"), {"ct_order_id": order.ct_order_id})
                conn.executemany(q("order_lines_insert"), lines)

        self._staging.add(upsert)
