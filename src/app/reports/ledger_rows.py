"""Turning ledger rows into the report's rows: pure functions of what the database recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import msgspec

from backflow.app.core.cases import load
from backflow.app.core.history import first_received
from backflow.app.core.refund_ledger import read_breakdown
from backflow.app.reports.model import LiabilityRow, RefundRow, ReturnRow, StockRow
from backflow.app.reports.period import Period
from backflow.domain.money import Money
from backflow.ports.decisions import Decision, RefundDecision
from backflow.ports.ledgers import RefundState, StockMovement, WriteOff
from backflow.ports.reports import CreditChange, RefundEntry, StatusChange
from backflow.ports.return_cases import ReturnCaseRecord

UNKNOWN_CURRENCY = "n/a"


def amount(minor: int, currency: str) -> str:
    return Money.minor(minor, currency).to_decimal_string()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def currencies_of_returns(
    cases: list[ReturnCaseRecord], credits: list[CreditChange], refunds: list[RefundEntry]
) -> dict[str, str]:
    """A return's currency: its pending credit's, its refund's, or ReBound's proposal's."""
    found = {c.return_id: c.currency for c in credits}
    for entry in refunds:
        found.setdefault(entry.refund.return_id, entry.refund.currency)
    for record in cases:
        snapshot = load(record).snapshot
        if snapshot is not None and snapshot.refund is not None:
            found.setdefault(record.return_id, snapshot.refund.currency)
    return found


def return_rows(
    period: Period,
    *,
    cases: list[ReturnCaseRecord],
    history: list[StatusChange],
    refunds: list[RefundEntry],
    decisions: list[RefundDecision],
    currency_of: Callable[[str], str],
) -> list[ReturnRow]:
    rows: list[ReturnRow] = []

    def add(return_id: str, event: str, at: datetime) -> None:
        if period.contains(at):
            rows.append(
                ReturnRow(return_id=return_id, currency=currency_of(return_id), event=event, at=iso(at))
            )

    for record in cases:
        add(record.return_id, "opened", record.created_at)
    for return_id, at in first_received(history).items():
        add(return_id, "received", at)
    cancelled: dict[str, datetime] = {}
    for change in history:
        if change.rebound_status == "CANCELLED":
            cancelled.setdefault(change.return_id, change.at)
    for return_id, at in cancelled.items():
        add(return_id, "cancelled", at)
    refunded: dict[str, datetime] = {}
    for entry in refunds:
        if entry.refund.state is RefundState.RECORDED and period.contains(entry.updated_at):
            refunded.setdefault(entry.refund.return_id, entry.updated_at)
    for return_id, at in refunded.items():
        add(return_id, "refunded", at)
    rejected = {d.return_id: d.decided_at for d in decisions if d.decision is Decision.REJECT}
    for return_id, decided in rejected.items():
        if decided is not None:
            add(return_id, "rejected", decided)
    return sorted(rows, key=lambda r: (r.at, r.return_id, r.event))


def _order_figures(entry: RefundEntry) -> tuple[int | None, str | None]:
    """The order version and paid total a refund was computed from, as its ledger row recorded them."""
    try:
        parts = read_breakdown(entry.refund)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None, None  # a row without a breakdown (written by hand or by an old version) shows none
    paid = parts.order_paid_minor
    return parts.order_version, None if paid is None else amount(paid, entry.refund.currency)


def refund_rows(period: Period, refunds: list[RefundEntry]) -> list[RefundRow]:
    rows = []
    for e in refunds:
        if e.refund.state is not RefundState.RECORDED or not period.contains(e.updated_at):
            continue
        version, paid = _order_figures(e)
        rows.append(
            RefundRow(
                interaction_id=e.refund.interaction_id,
                return_id=e.refund.return_id,
                currency=e.refund.currency,
                amount=amount(e.refund.amount_minor, e.refund.currency),
                outcome=e.refund.outcome.value,
                at=iso(e.updated_at),
                order_version=version,
                order_paid=paid,
            )
        )
    return rows


def owed_at(credits: list[CreditChange], moment: datetime) -> dict[tuple[str, str], CreditChange]:
    """The pending credits still posted at `moment` (the latest change of each at or before it)."""
    latest: dict[tuple[str, str], CreditChange] = {}
    for change in credits:  # oldest first
        if change.at < moment:
            latest[(change.return_id, change.currency)] = change
    return {key: c for key, c in latest.items() if c.state == "posted" and c.amount_minor > 0}


def liability_rows(credits: list[CreditChange], end: datetime) -> list[LiabilityRow]:
    owed = owed_at(credits, end)
    return [
        LiabilityRow(
            return_id=c.return_id,
            currency=c.currency,
            amount=amount(c.amount_minor, c.currency),
            posted_at=iso(c.at),
        )
        for _, c in sorted(owed.items())
    ]


def liability_by_day(
    credits: list[CreditChange], days: list[date], end_of: Callable[[date], datetime]
) -> dict[tuple[str, str], int]:
    """(day, currency) -> minor units owed at the end of that day."""
    found: dict[tuple[str, str], int] = {}
    for day in days:
        for (_, currency), change in owed_at(credits, end_of(day)).items():
            key = (day.isoformat(), currency)
            found[key] = found.get(key, 0) + change.amount_minor
    return found


def stock_rows(period: Period, movements: list[StockMovement], write_offs: list[WriteOff]) -> list[StockRow]:
    rows = [
        StockRow(
            marker=m.marker,
            kind="restocked",
            sku=m.sku,
            disposition=m.disposition or "unrecorded",
            quantity=m.quantity,
            return_id=m.return_id,
            at=iso(m.applied_at),
        )
        for m in movements
        if m.applied_at is not None and period.contains(m.applied_at)
    ]
    rows += [
        StockRow(
            marker=w.marker,
            kind="written_off",
            sku=w.sku,
            disposition=w.disposition or "unrecorded",
            quantity=w.quantity,
            return_id=w.return_id,
            at=iso(w.recorded_at),
        )
        for w in write_offs
        if w.recorded_at is not None and period.contains(w.recorded_at)
    ]
    return sorted(rows, key=lambda r: (r.sku, r.disposition, r.at, r.marker))
