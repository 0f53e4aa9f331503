"""The stock, refund and pending-credit ledgers: append-only rows whose state moves forward."""

from __future__ import annotations

from backflow.adapters.sqlstore.dialect import Dialect, Repository, Row
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


def movement(row: Row, d: Dialect) -> StockMovement:
    return StockMovement(
        marker=row["marker"],
        sku=row["sku"],
        supply_channel=row["supply_channel"],
        quantity=row["quantity"],
        return_id=row["return_id"],
        item_id=row["item_id"],
        state=StockMovementState(row["state"]),
        applied_at=d.dt_or_none(row["applied_at"]),
        inventory_version=row["inventory_version"],
        disposition=row["disposition"],
    )


class StockLedger(Repository):
    async def get(self, marker: str) -> StockMovement | None:
        row = await self._key_one("stock_get", {"marker": marker})
        return None if row is None else movement(row, self.dialect)

    async def for_return(self, return_id: str) -> list[StockMovement]:
        return [
            movement(row, self.dialect)
            for row in await self._key_all("stock_for_return", {"return_id": return_id})
        ]

    def record(self, movement: StockMovement) -> None:
        params = {
            "marker": movement.marker,
            "sku": movement.sku,
            "supply_channel": movement.supply_channel,
            "quantity": movement.quantity,
            "return_id": movement.return_id,
            "item_id": movement.item_id,
            "state": movement.state.value,
            "applied_at": self.dialect.ts_or_none(movement.applied_at),
            "inventory_version": movement.inventory_version,
            "disposition": movement.disposition,
        }
        self._stage("stock_record", params)

    def set_state(
        self, marker: str, state: StockMovementState, *, inventory_version: int | None = None
    ) -> None:
        params = {"marker": marker, "state": state.value, "inventory_version": inventory_version}
        self._stage("stock_set_state", params)

    def record_write_off(self, write_off: WriteOff) -> None:
        params = {
            "marker": write_off.marker,
            "sku": write_off.sku,
            "quantity": write_off.quantity,
            "disposition": write_off.disposition,
            "return_id": write_off.return_id,
            "item_id": write_off.item_id,
        }
        self._stage("write_off_record", params)


def write_off(row: Row, d: Dialect) -> WriteOff:
    return WriteOff(
        marker=row["marker"],
        sku=row["sku"],
        quantity=row["quantity"],
        disposition=row["disposition"],
        return_id=row["return_id"],
        item_id=row["item_id"],
        recorded_at=d.dt(row["recorded_at"]),
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


class RefundLedger(Repository):
    async def get(self, interaction_id: str) -> Refund | None:
        row = await self._key_one("refund_get", {"interaction_id": interaction_id})
        return None if row is None else refund(row)

    async def for_return(self, return_id: str) -> list[Refund]:
        return [refund(row) for row in await self._key_all("refund_for_return", {"return_id": return_id})]

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
        self._stage("refund_record", params)

    def set_state(self, interaction_id: str, state: RefundState) -> None:
        self._stage("refund_set_state", {"interaction_id": interaction_id, "state": state.value})


def _credit(row: Row, d: Dialect) -> PendingCredit:
    return PendingCredit(
        return_id=row["return_id"],
        currency=row["currency"],
        amount_minor=row["amount_minor"],
        state=CreditState(row["state"]),
        posted_at=d.dt(row["posted_at"]),
        released_at=d.dt_or_none(row["released_at"]),
    )


class CreditLedger(Repository):
    async def for_return(self, return_id: str) -> list[PendingCredit]:
        return [
            _credit(row, self.dialect)
            for row in await self._key_all("credit_for_return", {"return_id": return_id})
        ]

    async def outstanding(self) -> dict[str, int]:
        return {row["currency"]: int(row["amount"]) for row in await self._all("credit_outstanding", {})}

    def post(self, credit: PendingCredit) -> None:
        params = {
            "return_id": credit.return_id,
            "currency": credit.currency,
            "amount_minor": credit.amount_minor,
        }
        self._stage("credit_post", params)

    def release(self, return_id: str, currency: str) -> None:
        self._stage("credit_release", {"return_id": return_id, "currency": currency})
