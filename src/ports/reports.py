"""Read-only views of Backflow's ledgers for the reconciliation report and the drift monitors.

Everything here is what the database recorded, row by row, so every figure a report shows can be
traced back to the rows behind it. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import msgspec

from backflow.ports.decisions import RefundDecision
from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.ledgers import Refund, StockMovement, WriteOff
from backflow.ports.return_cases import ReturnCaseRecord


class StatusChange(msgspec.Struct, frozen=True, kw_only=True):
    """A return's position or ReBound status changed at `at` (recorded by the store itself)."""

    return_id: str
    at: datetime
    position: str
    rebound_status: str | None


class CreditChange(msgspec.Struct, frozen=True, kw_only=True):
    """The pending credit of a return and currency became `amount_minor` in `state` at `at`."""

    return_id: str
    currency: str
    at: datetime
    amount_minor: int
    state: str


class RefundEntry(msgspec.Struct, frozen=True, kw_only=True):
    refund: Refund
    recorded_at: datetime
    """When the row was first written (planned or recorded)."""
    updated_at: datetime
    """When its state last changed: for a recorded refund, when the money was recorded."""


class OrderedSku(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    product: str | None
    quantity: int
    """Units ordered over every synced order whose lines are known."""


PageKey = tuple[object, str]
"""Where a page of cases ended: the store's own (created_at, return_id), exactly as stored (a time
decoded and encoded again can fall just before it, and the next page would start over)."""


class CasesPage(msgspec.Struct, frozen=True, kw_only=True):
    cases: list[ReturnCaseRecord]
    next_after: PageKey | None
    """The key to read the next page after; None once this page was the last."""


class ReportSource(Protocol):
    async def return_cases(self, *, created_before: datetime | None = None) -> list[ReturnCaseRecord]: ...

    async def open_return_cases(self, *, limit: int) -> list[ReturnCaseRecord]:
        """Cases not closed, oldest change first."""
        ...

    async def status_history(self, *, until: datetime) -> list[StatusChange]: ...

    async def active_return_cases(
        self, *, since: datetime, until: datetime, including: Sequence[str] = ()
    ) -> list[ReturnCaseRecord]:
        """Cases created by `until` that a period's report names: created in [since, until], or with a
        status change in it, or in `including` (their refunds, decisions or mismatches fall in it).
        Oldest first, as `return_cases`; bounded by the period's activity, not by the history."""
        ...

    async def active_status_history(self, *, since: datetime, until: datetime) -> list[StatusChange]:
        """The whole history up to `until` of the returns that changed in [since, until], oldest first:
        enough to tell which of them were first received or cancelled in the period."""
        ...

    async def active_refunds(
        self, *, since: datetime, until: datetime, including: Sequence[str] = ()
    ) -> list[RefundEntry]:
        """Refunds first written by `until` that changed in [since, until] or belong to `including`,
        in the order of `refunds`."""
        ...

    async def active_credit_history(
        self, *, since: datetime, until: datetime, including: Sequence[str] = ()
    ) -> list[CreditChange]:
        """The credit changes a period's liability needs, in the order of `credit_history`: those in
        [since, until], every change of the returns in `including`, and before `since` only the latest
        change of each credit still posted then (what was owed when the period began)."""
        ...

    async def return_cases_page(
        self, *, since: datetime | None, until: datetime | None, after: PageKey | None, limit: int
    ) -> CasesPage:
        """Up to `limit` cases created in [since, until] (either open-ended), oldest first, after the
        key the previous page returned: a whole-history report reads them page by page."""
        ...

    async def status_history_of(self, return_ids: Sequence[str], *, until: datetime) -> list[StatusChange]:
        """The changes of these returns only, oldest first: what a monitor's batch needs, whatever the
        size of the whole history (the full one is a row per change of every return ever stored)."""
        ...

    async def refunds(self, *, until: datetime) -> list[RefundEntry]: ...

    async def orders_touched_since(self, since: datetime, *, limit: int) -> list[str]:
        """Up to `limit` commercetools order ids whose return cases or refunds changed since `since`,
        the most recently changed first (for monitors: each run reads `limit` rows of an index, whatever
        the size of the history or of the lookback)."""
        ...

    async def credit_history(self, *, until: datetime) -> list[CreditChange]: ...

    async def stock_movements(self, *, since: datetime, until: datetime) -> list[StockMovement]:
        """Movements applied in [since, until]."""
        ...

    async def write_offs(self, *, since: datetime, until: datetime) -> list[WriteOff]: ...

    async def exceptions(self, *, until: datetime) -> list[ExceptionRecord]:
        """Every exception first seen at or before `until`, whatever its state now."""
        ...

    async def decisions(self, *, until: datetime) -> list[RefundDecision]: ...

    async def ordered_quantities(self) -> list[OrderedSku]: ...
