"""The stock, refund and pending-credit ledgers: append-only rows whose state moves forward."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from backflow.adapters.sqlite.codec import dt, dt_or_none, ts_or_none
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.staging import StagedWrite, Staging
from backflow.ports.ledgers import (
    CreditState,
    PendingCredit,
    Refund,
    RefundOutcome,
    RefundState,
    StockMovement,
    StockMovementState,
    WriteOff,
)


def _writer(sql_name: str, params: Mapping[str, object]) -> StagedWrite:
    def write(conn: sqlite3.Connection, now: float) -> None:
        conn.execute(q(sql_name), {**params, "now": now})

    return write


def movement(row: sqlite3.Row) -> StockMovement:
    return StockMovement(
        marker=row["marker"],
        sku=row["sku"],
        supply_channel=row["supply_channel"],
        quantity=row["quantity"],
        return_id=row["return_id"],
        item_id=row["item_id"],
        state=StockMovementState(row["state"]),
        applied_at=dt_or_none(row["applied_at"]),
        inventory_version=row["inventory_version"],
        disposition=row["disposition"],
    )


class SqliteStockLedger:
    def __init__(self, readers: ReaderPool, staging: Staging) -> None:
        self._readers = readers
        self._staging = staging

    async def get(self, marker: str) -> StockMovement | None:
        row = await self._readers.fetchone(q("stock_get"), {"marker": marker})
        return None if row is None else movement(row)

    async def for_return(self, return_id: str) -> list[StockMovement]:
        rows = await self._readers.fetchall(q("stock_for_return"), {"return_id": return_id})
        return [movement(row) for row in rows]

    def record(self, movement: StockMovement) -> None:
        params = {
            "marker": movement.marker,
            "sku": movement.sku,
            "supply_channel": movement.supply_channel,
            "quantity": movement.quantity,
            "return_id": movement.return_id,
            "item_id": movement.item_id,
            "state": movement.state,
            "applied_at": ts_or_none(movement.applied_at),
            "inventory_version": movement.inventory_version,
            "disposition": movement.disposition,
        }
        self._staging.add(_writer("stock_record", params))

    def set_state(
        self, marker: str, state: StockMovementState, *, inventory_version: int | None = None
    ) -> None:
        params = {"marker": marker, "state": state, "inventory_version": inventory_version}
        self._staging.add(_writer("stock_set_state", params))

    def record_write_off(self, write_off: WriteOff) -> None:
        params = {
            "marker": write_off.marker,
            "sku": write_off.sku,
            "quantity": write_off.quantity,
            "disposition": write_off.disposition,
            "return_id": write_off.return_id,
            "item_id": write_off.item_id,
        }
        self._staging.add(_writer("write_off_record", params))


def write_off(row: sqlite3.Row) -> WriteOff:
    return WriteOff(
        marker=row["marker"],
        sku=row["sku"],
        quantity=row["quantity"],
        disposition=row["disposition"],
        return_id=row["return_id"],
        item_id=row["item_id"],
        recorded_at=dt(row["recorded_at"]),
    )


def refund(row: sqlite3.Row) -> Refund:
    return Refund(
        interaction_id=row["interaction_id"],
        return_id=row["return_id"],
        lines=bytes(row["lines"]),
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        payment_id=row["payment_id"],
        outcome=RefundOutcome(row["outcome"]),
        state=RefundState(row["state"]),
    )


class SqliteRefundLedger:
    def __init__(self, readers: ReaderPool, staging: Staging) -> None:
        self._readers = readers
        self._staging = staging

    async def get(self, interaction_id: str) -> Refund | None:
        row = await self._readers.fetchone(q("refund_get"), {"interaction_id": interaction_id})
        return None if row is None else refund(row)

    async def for_return(self, return_id: str) -> list[Refund]:
        rows = await self._readers.fetchall(q("refund_for_return"), {"return_id": return_id})
        return [refund(row) for row in rows]

    def record(self, refund: Refund) -> None:
        params = {
            "interaction_id": refund.interaction_id,
            "return_id": refund.return_id,
            "lines": refund.lines,
            "amount_minor": refund.amount_minor,
            "currency": refund.currency,
            "payment_id": refund.payment_id,
            "outcome": refund.outcome,
            "state": refund.state,
        }
        self._staging.add(_writer("refund_record", params))

    def set_state(self, interaction_id: str, state: RefundState) -> None:
        self._staging.add(_writer("refund_set_state", {"interaction_id": interaction_id, "state": state}))


def _credit(row: sqlite3.Row) -> PendingCredit:
    return PendingCredit(
        return_id=row["return_id"],
        currency=row["currency"],
        amount_minor=row["amount_minor"],
        state=CreditState(row["state"]),
        posted_at=dt(row["posted_at"]),
        released_at=dt_or_none(row["released_at"]),
    )


class SqliteCreditLedger:
    def __init__(self, readers: ReaderPool, staging: Staging) -> None:
        self._readers = readers
        self._staging = staging

    async def for_return(self, return_id: str) -> list[PendingCredit]:
        rows = await self._readers.fetchall(q("credit_for_return"), {"return_id": return_id})
        return [_credit(row) for row in rows]

    async def outstanding(self) -> dict[str, int]:
        rows = await self._readers.fetchall(q("credit_outstanding"), {})
        return {row["currency"]: int(row["amount"]) for row in rows}

    def post(self, credit: PendingCredit) -> None:
        params = {
            "return_id": credit.return_id,
            "currency": credit.currency,
            "amount_minor": credit.amount_minor,
        }
        self._staging.add(_writer("credit_post", params))

    def release(self, return_id: str, currency: str) -> None:
        self._staging.add(_writer("credit_release", {"return_id": return_id, "currency": currency}))
