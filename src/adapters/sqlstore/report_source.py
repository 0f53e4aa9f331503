"""`ReportSource` on the reader: the ledgers as recorded, for reports and drift monitors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from backflow.adapters.sqlstore.decisions import decision
from backflow.adapters.sqlstore.dialect import Reads, Row
from backflow.adapters.sqlstore.ledgers import movement, refund, write_off
from backflow.adapters.sqlstore.repositories import return_case
from backflow.ports.decisions import RefundDecision
from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.ledgers import StockMovement, WriteOff
from backflow.ports.reports import CasesPage, CreditChange, OrderedSku, PageKey, RefundEntry, StatusChange
from backflow.ports.return_cases import ReturnCaseRecord

BEFORE_ANY_CASE = datetime(1, 1, 2, tzinfo=UTC)
"""The key the first page starts after (never NULL: a NULL bound would stop the index seek)."""


class ReportSource(Reads):
    async def return_cases(self, *, created_before: datetime | None = None) -> list[ReturnCaseRecord]:
        rows = await self._all("report_cases", {"created_before": self.dialect.ts_or_none(created_before)})
        return [return_case(row, self.dialect) for row in rows]

    async def open_return_cases(self, *, limit: int) -> list[ReturnCaseRecord]:
        rows = await self._all("report_open_cases", {"limit": limit})
        return [return_case(row, self.dialect) for row in rows]

    async def status_history(self, *, until: datetime) -> list[StatusChange]:
        return self._changes(await self._all("report_status_history", {"until": self.dialect.ts(until)}))

    async def active_return_cases(
        self, *, since: datetime, until: datetime, including: Sequence[str] = ()
    ) -> list[ReturnCaseRecord]:
        d = self.dialect
        params = {"since": d.ts(since), "until": d.ts(until), "return_ids": d.texts(including)}
        return [return_case(row, d) for row in await self._all("report_active_cases", params)]

    async def active_status_history(self, *, since: datetime, until: datetime) -> list[StatusChange]:
        params = {"since": self.dialect.ts(since), "until": self.dialect.ts(until)}
        return self._changes(await self._all("report_active_status_history", params))

    async def active_refunds(
        self, *, since: datetime, until: datetime, including: Sequence[str] = ()
    ) -> list[RefundEntry]:
        d = self.dialect
        params = {"since": d.ts(since), "until": d.ts(until), "return_ids": d.texts(including)}
        return [self._refund_entry(r) for r in await self._all("report_active_refunds", params)]

    async def active_credit_history(
        self, *, since: datetime, until: datetime, including: Sequence[str] = ()
    ) -> list[CreditChange]:
        d = self.dialect
        params = {"since": d.ts(since), "until": d.ts(until), "return_ids": d.texts(including)}
        return [self._credit_change(r) for r in await self._all("report_active_credit_history", params)]

    async def return_cases_page(
        self, *, since: datetime | None, until: datetime | None, after: PageKey | None, limit: int
    ) -> CasesPage:
        d = self.dialect
        after_at, after_id = after or (d.ts(BEFORE_ANY_CASE), "")
        params = {
            "since": d.ts_or_none(since),
            "until": d.ts_or_none(until),
            "after_at": after_at,
            "after_id": after_id,
            "limit": limit,
        }
        rows = await self._all("report_cases_page", params)
        last = (rows[-1]["created_at"], rows[-1]["return_id"]) if len(rows) == limit else None
        return CasesPage(cases=[return_case(row, d) for row in rows], next_after=last)

    async def status_history_of(self, return_ids: Sequence[str], *, until: datetime) -> list[StatusChange]:
        if not return_ids:
            return []
        params = {"return_ids": self.dialect.texts(return_ids), "until": self.dialect.ts(until)}
        return self._changes(await self._all("report_status_history_of", params))

    def _changes(self, rows: Sequence[Row]) -> list[StatusChange]:
        d = self.dialect
        return [
            StatusChange(
                return_id=r["return_id"],
                at=d.dt(r["at"]),
                position=r["position"],
                rebound_status=r["rebound_status"],
            )
            for r in rows
        ]

    async def refunds(self, *, until: datetime) -> list[RefundEntry]:
        return [
            self._refund_entry(r)
            for r in await self._all("report_refunds", {"until": self.dialect.ts(until)})
        ]

    def _refund_entry(self, r: Row) -> RefundEntry:
        d = self.dialect
        return RefundEntry(
            refund=refund(r), recorded_at=d.dt(r["recorded_at"]), updated_at=d.dt(r["updated_at"])
        )

    async def orders_touched_since(self, since: datetime, *, limit: int) -> list[str]:
        params = {"since": self.dialect.ts(since), "limit": limit}
        # Two index walks newest first, merged here: a UNION sorted in SQL had to read every row in the
        # lookback (at 1 M returns touched in it, every tick of the refund-drift monitor).
        rows = [*await self._all("report_cases_touched_since", params)]
        rows += await self._all("report_refunds_touched_since", params)
        newest_first = sorted(rows, key=lambda r: r["ct_order_id"])
        newest_first.sort(key=lambda r: self.dialect.dt(r["updated_at"]), reverse=True)
        return list(dict.fromkeys(r["ct_order_id"] for r in newest_first))[:limit]

    async def credit_history(self, *, until: datetime) -> list[CreditChange]:
        rows = await self._all("report_credit_history", {"until": self.dialect.ts(until)})
        return [self._credit_change(r) for r in rows]

    def _credit_change(self, r: Row) -> CreditChange:
        return CreditChange(
            return_id=r["return_id"],
            currency=r["currency"],
            at=self.dialect.dt(r["at"]),
            amount_minor=r["amount_minor"],
            state=r["state"],
        )

    async def stock_movements(self, *, since: datetime, until: datetime) -> list[StockMovement]:
        params = {"since": self.dialect.ts(since), "until": self.dialect.ts(until)}
        return [movement(r, self.dialect) for r in await self._all("report_stock_movements", params)]

    async def write_offs(self, *, since: datetime, until: datetime) -> list[WriteOff]:
        params = {"since": self.dialect.ts(since), "until": self.dialect.ts(until)}
        return [write_off(r, self.dialect) for r in await self._all("report_write_offs", params)]

    async def exceptions(self, *, until: datetime) -> list[ExceptionRecord]:
        rows = await self._all("report_exceptions", {"until": self.dialect.ts(until)})
        return [self.dialect.rows.exception_record(r) for r in rows]

    async def decisions(self, *, until: datetime) -> list[RefundDecision]:
        rows = await self._all("report_decisions", {"until": self.dialect.ts(until)})
        return [decision(r, self.dialect) for r in rows]

    async def ordered_quantities(self) -> list[OrderedSku]:
        rows = await self._all("report_ordered_quantities", {})
        return [OrderedSku(sku=r["sku"], product=r["product"], quantity=int(r["quantity"])) for r in rows]
