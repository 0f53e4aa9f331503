"""Return cases and synced orders on PostgreSQL: reads in adapters.sqlstore, checked writes in the unit."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.postgresql.sql import q
from backflow.adapters.sqlstore import repositories as shared
from backflow.adapters.sqlstore.dialect import Row
from backflow.adapters.sqlstore.repositories import order_lines, return_params, synced_order_params
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.synced_orders import SyncedOrder


def return_case(row: Row) -> ReturnCaseRecord:
    return shared.return_case(row, POSTGRES)


class PostgresReturnCases(shared.ReturnCases):
    dialect = POSTGRES

    def add(self, record: ReturnCaseRecord) -> None:
        params = return_params(record)

        async def insert(conn: Connection, now: datetime) -> None:
            if (await conn.execute(q("return_case_insert"), {**params, "now": now})).rowcount != 1:
                raise shared.already_exists(record)

        self._staging.add(insert)

    def update(self, record: ReturnCaseRecord) -> None:
        params = return_params(record)

        async def update(conn: Connection, now: datetime) -> None:
            if (await conn.execute(q("return_case_update"), {**params, "now": now})).rowcount != 1:
                cursor = await conn.execute(q("return_case_get"), {"return_id": record.return_id})
                raise shared.stale_version(record, await cursor.fetchone())

        self._staging.add(update)


class PostgresSyncedOrders(shared.SyncedOrders):
    dialect = POSTGRES

    def upsert(self, order: SyncedOrder) -> None:
        params = synced_order_params(order, POSTGRES)
        lines = order_lines(order)

        async def upsert(conn: Connection, _now: datetime) -> None:
            await conn.execute(q("synced_order_upsert"), params)
            if lines:  # the lines of the version synced now replace what was known
                await conn.execute(q("order_lines_clear"), {"ct_order_id": order.ct_order_id})
                async with conn.cursor() as cursor:
                    await cursor.executemany(q("order_lines_insert"), lines)

        self._staging.add(upsert)
