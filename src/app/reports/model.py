"""The reconciliation report's shape: the figures, and the rows behind every one of them.

Amounts are decimal strings in their currency (from integer minor units through `Money`).
"""

from __future__ import annotations

import msgspec


class ReturnCounts(msgspec.Struct, kw_only=True):
    opened: int = 0
    received: int = 0
    refunded: int = 0
    rejected: int = 0
    cancelled: int = 0


class CountTotal(msgspec.Struct, kw_only=True):
    count: int = 0
    total: str = "0"


class RefundTotals(msgspec.Struct, kw_only=True):
    issued: CountTotal
    original_payment: CountTotal
    store_credit: CountTotal


class MismatchCounts(msgspec.Struct, kw_only=True):
    found: int = 0
    approve_backflow: int = 0
    approve_rebound: int = 0
    reject: int = 0
    undecided: int = 0


class CurrencySection(msgspec.Struct, kw_only=True):
    currency: str
    returns: ReturnCounts
    refunds: RefundTotals
    liability_at_end: str
    mismatches: MismatchCounts


class StockLine(msgspec.Struct, kw_only=True):
    sku: str
    disposition: str
    restocked: int = 0
    written_off: int = 0


class OwnerLine(msgspec.Struct, kw_only=True):
    owner: str
    opened: int = 0
    resolved: int = 0
    open_at_end: int = 0
    open_under_1_day: int = 0
    open_1_to_7_days: int = 0
    open_over_7_days: int = 0


class DayAmount(msgspec.Struct, kw_only=True):
    date: str
    currency: str
    amount: str
    count: int = 0


class ReasonLine(msgspec.Struct, kw_only=True):
    reason: str
    returns: int
    units: int


# ---------------------------------------------------------------- the rows behind the figures
class ReturnRow(msgspec.Struct, kw_only=True):
    return_id: str
    currency: str
    event: str
    """opened, received, refunded, rejected, cancelled"""
    at: str


class RefundRow(msgspec.Struct, kw_only=True):
    interaction_id: str
    return_id: str
    currency: str
    amount: str
    outcome: str
    at: str
    order_version: int | None = None
    """The commercetools order version the refund was computed from (above 1: the order was edited)."""
    order_paid: str | None = None
    """What the customer had paid for the order at that version: the final figure after an edit."""


class LiabilityRow(msgspec.Struct, kw_only=True):
    return_id: str
    currency: str
    amount: str
    posted_at: str


class MismatchRow(msgspec.Struct, kw_only=True):
    exception_id: int
    return_id: str | None
    currency: str
    first_seen: str
    decision: str
    decided_by: str | None
    decided_at: str | None


class StockRow(msgspec.Struct, kw_only=True):
    marker: str
    kind: str
    """restocked or written_off"""
    sku: str
    disposition: str
    quantity: int
    return_id: str
    at: str


class ExceptionRow(msgspec.Struct, kw_only=True):
    id: int
    type: str
    owner: str
    first_seen: str
    opened_in_period: bool
    resolved_in_period: bool
    open_at_end: bool
    age_days_at_end: float | None


class Rows(msgspec.Struct, kw_only=True):
    returns: list[ReturnRow]
    refunds: list[RefundRow]
    liability: list[LiabilityRow]
    mismatches: list[MismatchRow]
    stock: list[StockRow]
    exceptions: list[ExceptionRow]


class ReconciliationReport(msgspec.Struct, kw_only=True):
    period_from: str
    period_to: str
    generated_at: str
    currencies: list[CurrencySection]
    stock: list[StockLine]
    exceptions_by_owner: list[OwnerLine]
    liability_by_day: list[DayAmount]
    refunds_by_day: list[DayAmount]
    top_reasons: list[ReasonLine]
    rows: Rows
