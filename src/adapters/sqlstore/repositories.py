"""Return cases and synced orders: reads and row shapes shared; the checked writes are the engine's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from backflow.adapters.sqlstore.dialect import Dialect, Repository, Row
from backflow.domain.order import ORDER_DECODER, Order
from backflow.ports.errors import ConflictError
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.synced_orders import SyncedOrder, SyncStatus


def return_case(row: Row, d: Dialect) -> ReturnCaseRecord:
    return ReturnCaseRecord(
        return_id=row["return_id"],
        client_order_id=row["client_order_id"],
        ct_order_id=row["ct_order_id"],
        state=row["state"],
        last_sequence=row["last_sequence"],
        snapshot=bytes(row["snapshot"]),
        version=row["version"],
        created_at=d.dt(row["created_at"]),
        updated_at=d.dt(row["updated_at"]),
    )


def return_params(record: ReturnCaseRecord) -> dict[str, object]:
    return {
        "return_id": record.return_id,
        "client_order_id": record.client_order_id,
        "ct_order_id": record.ct_order_id,
        "state": record.state,
        "last_sequence": record.last_sequence,
        "snapshot": record.snapshot,
        "version": record.version,
    }


def already_exists(record: ReturnCaseRecord) -> ConflictError:
    return ConflictError(f"return {record.return_id} already exists", current_version=None)


def stale_version(record: ReturnCaseRecord, current: Row | None) -> ConflictError:
    """The update matched no row: someone else moved the case on since `record` was read."""
    return ConflictError(
        f"return {record.return_id} changed since version {record.version} was read",
        current_version=None if current is None else current["version"],
    )


class ReturnCases(Repository):
    """Reads shared; `add` and `update` are the engine's, as they check their rowcount on its connection."""

    async def get(self, return_id: str) -> ReturnCaseRecord | None:
        row = await self._key_one("return_case_get", {"return_id": return_id})
        return None if row is None else return_case(row, self.dialect)

    async def by_order(self, order_ref: str) -> list[ReturnCaseRecord]:
        rows = await self._key_all("return_case_by_order", {"order_ref": order_ref})
        return [return_case(row, self.dialect) for row in rows]

    async def in_state(self, state: str, *, limit: int) -> list[ReturnCaseRecord]:
        rows = await self._all("return_case_in_state", {"state": state, "limit": limit})
        return [return_case(row, self.dialect) for row in rows]


def _synced_order(row: Row, d: Dialect) -> SyncedOrder:
    return SyncedOrder(
        ct_order_id=row["ct_order_id"],
        order_number=row["order_number"],
        ct_version=row["ct_version"],
        status=SyncStatus(row["status"]),
        last_synced_at=d.dt_or_none(row["last_synced_at"]),
        lag_seconds=row["lag_seconds"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        payload_digest=row["payload_digest"],
        resyncs_skipped=row["resyncs_skipped"],
    )


def synced_order_params(order: SyncedOrder, d: Dialect) -> dict[str, object]:
    return {
        "ct_order_id": order.ct_order_id,
        "order_number": order.order_number,
        "ct_version": order.ct_version,
        "status": order.status.value,
        "last_synced_at": d.ts_or_none(order.last_synced_at),
        "lag_seconds": order.lag_seconds,
        "attempts": order.attempts,
        "last_error": order.last_error,
        "payload_digest": order.payload_digest,
        "resyncs_skipped": order.resyncs_skipped,
    }


def order_lines(order: SyncedOrder) -> list[dict[str, object]]:
    """The order's lines as rows; the lines of the version synced now replace what was known."""
    return [
        {
            "ct_order_id": order.ct_order_id,
            "sku": sku,
            "quantity": quantity,
            "product": order.products.get(sku),
        }
        for sku, quantity in order.skus.items()
    ]


class SyncedOrders(Repository):
    """Reads shared; `upsert` is the engine's, as it replaces the lines in several statements."""

    async def get(self, ct_order_id: str) -> SyncedOrder | None:
        row = await self._key_one("synced_order_get", {"ct_order_id": ct_order_id})
        return None if row is None else _synced_order(row, self.dialect)

    async def by_number(self, order_number: str) -> SyncedOrder | None:
        row = await self._key_one("synced_order_by_number", {"order_number": order_number})
        return None if row is None else _synced_order(row, self.dialect)

    async def failing(self, *, limit: int) -> list[SyncedOrder]:
        rows = await self._all("synced_order_failing", {"limit": limit})
        return [_synced_order(row, self.dialect) for row in rows]

    def keep_snapshot(self, order: Order) -> None:
        params = {
            "ct_order_id": order.id,
            "order_number": order.orderNumber,
            "version": order.version,
            "created_at": self.dialect.ts(order.createdAt),
            "body": msgspec.json.encode(order),
        }
        self._stage("order_snapshot_keep", params)

    def forget_snapshot(self, ct_order_id: str) -> None:
        self._stage("order_snapshot_forget", {"ct_order_id": ct_order_id})

    async def snapshots_created_before(self, cutoff: datetime, *, limit: int) -> list[str]:
        params = {"cutoff": self.dialect.ts(cutoff), "limit": limit}
        return [row["ct_order_id"] for row in await self._all("order_snapshot_created_before", params)]

    def forget_snapshots(self, ct_order_ids: Sequence[str]) -> None:
        self._stage("order_snapshot_forget_many", {"ct_order_ids": self.dialect.texts(ct_order_ids)})

    async def snapshot(self, ref: str) -> Order | None:
        row = await self._key_one("order_snapshot_by_ref", {"ref": ref})
        return None if row is None else ORDER_DECODER.decode(bytes(row["body"]))
