"""Return cases and synced orders: reads on the pool, writes staged in the unit of work."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.postgresql.codec import Row, dt, dt_or_none, ts_or_none
from backflow.adapters.postgresql.database import Connection, Database
from backflow.adapters.postgresql.sql import q
from backflow.adapters.postgresql.staging import Staging
from backflow.ports.errors import ConflictError
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.synced_orders import SyncedOrder, SyncStatus


def return_case(row: Row) -> ReturnCaseRecord:
    return ReturnCaseRecord(
        return_id=row["return_id"],
        client_order_id=row["client_order_id"],
        ct_order_id=row["ct_order_id"],
        state=row["state"],
        last_sequence=row["last_sequence"],
        snapshot=bytes(row["snapshot"]),
        version=row["version"],
        created_at=dt(row["created_at"]),
        updated_at=dt(row["updated_at"]),
    )


def _return_params(record: ReturnCaseRecord) -> dict[str, object]:
    return {
        "return_id": record.return_id,
        "client_order_id": record.client_order_id,
        "ct_order_id": record.ct_order_id,
        "state": record.state,
        "last_sequence": record.last_sequence,
        "snapshot": record.snapshot,
        "version": record.version,
    }


class PostgresReturnCases:
    def __init__(self, db: Database, staging: Staging) -> None:
        self._db = db
        self._staging = staging

    async def get(self, return_id: str) -> ReturnCaseRecord | None:
        row = await self._db.fetchone(q("return_case_get"), {"return_id": return_id})
        return None if row is None else return_case(row)

    async def by_order(self, order_ref: str) -> list[ReturnCaseRecord]:
        rows = await self._db.fetchall(q("return_case_by_order"), {"order_ref": order_ref})
        return [return_case(row) for row in rows]

    async def in_state(self, state: str, *, limit: int) -> list[ReturnCaseRecord]:
        rows = await self._db.fetchall(q("return_case_in_state"), {"state": state, "limit": limit})
        return [return_case(row) for row in rows]

    def add(self, record: ReturnCaseRecord) -> None:
        params = _return_params(record)

        async def insert(conn: Connection, now: datetime) -> None:
            if (await conn.execute(q("return_case_insert"), {**params, "now": now})).rowcount != 1:
                raise ConflictError(f"return {record.return_id} already exists", current_version=None)

        self._staging.add(insert)

    def update(self, record: ReturnCaseRecord) -> None:
        params = _return_params(record)

        async def update(conn: Connection, now: datetime) -> None:
            if (await conn.execute(q("return_case_update"), {**params, "now": now})).rowcount != 1:
                cursor = await conn.execute(q("return_case_get"), {"return_id": record.return_id})
                current = await cursor.fetchone()
                raise ConflictError(
                    f"return {record.return_id} changed since version {record.version} was read",
                    current_version=None if current is None else current["version"],
                )

        self._staging.add(update)


def _synced_order(row: Row) -> SyncedOrder:
    return SyncedOrder(
        ct_order_id=row["ct_order_id"],
        order_number=row["order_number"],
        ct_version=row["ct_version"],
        status=SyncStatus(row["status"]),
        last_synced_at=dt_or_none(row["last_synced_at"]),
        lag_seconds=row["lag_seconds"],
        attempts=row["attempts"],
        last_error=row["last_error"],
    )


class PostgresSyncedOrders:
    def __init__(self, db: Database, staging: Staging) -> None:
        self._db = db
        self._staging = staging

    async def get(self, ct_order_id: str) -> SyncedOrder | None:
        row = await self._db.fetchone(q("synced_order_get"), {"ct_order_id": ct_order_id})
        return None if row is None else _synced_order(row)

    async def by_number(self, order_number: str) -> SyncedOrder | None:
        row = await self._db.fetchone(q("synced_order_by_number"), {"order_number": order_number})
        return None if row is None else _synced_order(row)

    async def failing(self, *, limit: int) -> list[SyncedOrder]:
        rows = await self._db.fetchall(q("synced_order_failing"), {"limit": limit})
        return [_synced_order(row) for row in rows]

    def upsert(self, order: SyncedOrder) -> None:
        params = {
            "ct_order_id": order.ct_order_id,
            "order_number": order.order_number,
            "ct_version": order.ct_version,
            "status": order.status.value,
            "last_synced_at": ts_or_none(order.last_synced_at),
            "lag_seconds": order.lag_seconds,
            "attempts": order.attempts,
            "last_error": order.last_error,
        }
        lines = [
            {
                "ct_order_id": order.ct_order_id,
                "sku": sku,
                "quantity": quantity,
                "product": order.products.get(sku),
            }
            for sku, quantity in order.skus.items()
        ]

        async def upsert(conn: Connection, _now: datetime) -> None:
            await conn.execute(q("synced_order_upsert"), params)
            if lines:  # the lines of the version synced now replace what was known
                await conn.execute(q("order_lines_clear"), {"ct_order_id": order.ct_order_id})
                async with conn.cursor() as cursor:
                    await cursor.executemany(q("order_lines_insert"), lines)

        self._staging.add(upsert)
