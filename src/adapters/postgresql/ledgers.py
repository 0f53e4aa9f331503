"""The stock, refund and pending-credit ledgers: append-only rows whose state moves forward."""

from __future__ import annotations

from backflow.adapters.postgresql.codec import Row, dt, dt_or_none, ts_or_none
from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import q
from backflow.adapters.postgresql.staging import Staging, statement
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


def movement(row: Row) -> StockMovement:
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


class PostgresStockLedger:
    def __init__(self, db: Database, staging: Staging) -> None:
        self._db = db
        self._staging = staging

    async def get(self, marker: str) -> StockMovement | None:
        row = await self._db.fetchone(q("stock_get"), {"marker": marker})
        return None if row is None else movement(row)

    async def for_return(self, return_id: str) -> list[StockMovement]:
        rows = await self._db.fetchall(q("stock_for_return"), {"return_id": return_id})
        return [movement(row) for row in rows]

    def record(self, movement: StockMovement) -> None:
        params = {
            "marker": movement.marker,
            "sku": movement.sku,
            "supply_channel": movement.supply_channel,
            "quantity": movement.quantity,
            "return_id": movement.return_id,
            "item_id": movement.item_id,
            "state": movement.state.value,
            "applied_at": ts_or_none(movement.applied_at),
            "inventory_version": movement.inventory_version,
            "disposition": movement.disposition,
        }
        self._staging.add(statement("stock_record", params))

    def set_state(
        self, marker: str, state: StockMovementState, *, inventory_version: int | None = None
    ) -> None:
        params = {"marker": marker, "state": state.value, "inventory_version": inventory_version}
        self._staging.add(statement("stock_set_state", params))

    def record_write_off(self, write_off: WriteOff) -> None:
        params = {
            "marker": write_off.marker,
            "sku": write_off.sku,
            "quantity": write_off.quantity,
            "disposition": write_off.disposition,
            "return_id": write_off.return_id,
            "item_id": write_off.item_id,
        }
        self._staging.add(statement("write_off_record", params))


def write_off(row: Row) -> WriteOff:
    return WriteOff(
        marker=row["marker"],
        sku=row["sku"],
        quantity=row["quantity"],
        disposition=row["disposition"],
        return_id=row["return_id"],
        item_id=row["item_id"],
        recorded_at=dt(row["recorded_at"]),
    )


def refund(row: Row) -> Refund:
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


class PostgresRefundLedger:
    def __init__(self, db: Database, staging: Staging) -> None:
        self._db = db
        self._staging = staging

    async def get(self, interaction_id: str) -> Refund | None:
        row = await self._db.fetchone(q("refund_get"), {"interaction_id": interaction_id})
        return None if row is None else refund(row)

    async def for_return(self, return_id: str) -> list[Refund]:
        rows = await self._db.fetchall(q("refund_for_return"), {"return_id": return_id})
        return [refund(row) for row in rows]

    def record(self, refund: Refund) -> None:
        params = {
            "interaction_id": refund.interaction_id,
            "return_id": refund.return_id,
            "lines": refund.lines,
            "amount_minor": refund.amount_minor,
            "currency": refund.currency,
            "payment_id": refund.payment_id,
            "outcome": refund.outcome.value,
            "state": refund.state.value,
        }
        self._staging.add(statement("refund_record", params))

    def set_state(self, interaction_id: str, state: RefundState) -> None:
        params = {"interaction_id": interaction_id, "state": state.value}
        self._staging.add(statement("refund_set_state", params))


def _credit(row: Row) -> PendingCredit:
    return PendingCredit(
        return_id=row["return_id"],
        currency=row["currency"],
        amount_minor=row["amount_minor"],
        state=CreditState(row["state"]),
        posted_at=dt(row["posted_at"]),
        released_at=dt_or_none(row["released_at"]),
    )


class PostgresCreditLedger:
    def __init__(self, db: Database, staging: Staging) -> None:
        self._db = db
        self._staging = staging

    async def for_return(self, return_id: str) -> list[PendingCredit]:
        rows = await self._db.fetchall(q("credit_for_return"), {"return_id": return_id})
        return [_credit(row) for row in rows]

    async def outstanding(self) -> dict[str, int]:
        rows = await self._db.fetchall(q("credit_outstanding"), {})
        return {row["currency"]: int(row["amount"]) for row in rows}

    def post(self, credit: PendingCredit) -> None:
        params = {
            "return_id": credit.return_id,
            "currency": credit.currency,
            "amount_minor": credit.amount_minor,
        }
        self._staging.add(statement("credit_post", params))

    def release(self, return_id: str, currency: str) -> None:
        self._staging.add(statement("credit_release", {"return_id": return_id, "currency": currency}))
