"""`ReportSource` on the reader connections: the ledgers as recorded, for reports and drift monitors."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.sqlite.codec import dt, exception_record, ts, ts_or_none
from backflow.adapters.sqlite.decisions import decision
from backflow.adapters.sqlite.ledgers import movement, refund, write_off
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.repositories import return_case
from backflow.adapters.sqlite.sql import q
from backflow.ports.decisions import RefundDecision
from backflow.ports.exceptions import ExceptionRecord
from backflow.ports.ledgers import StockMovement, WriteOff
from backflow.ports.reports import CreditChange, OrderedSku, RefundEntry, StatusChange
from backflow.ports.return_cases import ReturnCaseRecord


class SqliteReportSource:
    def __init__(self, readers: ReaderPool) -> None:
        self._readers = readers

    async def return_cases(self, *, created_before: datetime | None = None) -> list[ReturnCaseRecord]:
        rows = await self._readers.fetchall(q("report_cases"), {"created_before": ts_or_none(created_before)})
        return [return_case(row) for row in rows]

    async def open_return_cases(self, *, limit: int) -> list[ReturnCaseRecord]:
        rows = await self._readers.fetchall(q("report_open_cases"), {"limit": limit})
        return [return_case(row) for row in rows]

    async def status_history(self, *, until: datetime) -> list[StatusChange]:
        rows = await self._readers.fetchall(q("report_status_history"), {"until": ts(until)})
        return [
            StatusChange(
                return_id=r["return_id"],
                at=dt(r["at"]),
                position=r["position"],
                rebound_status=r["rebound_status"],
            )
            for r in rows
        ]

    async def refunds(self, *, until: datetime) -> list[RefundEntry]:
        rows = await self._readers.fetchall(q("report_refunds"), {"until": ts(until)})
        return [
            RefundEntry(refund=refund(r), recorded_at=dt(r["recorded_at"]), updated_at=dt(r["updated_at"]))
            for r in rows
        ]

    async def orders_touched_since(self, since: datetime, *, limit: int) -> list[str]:
        rows = await self._readers.fetchall(
            q("report_orders_touched_since"), {"since": ts(since), "limit": limit}
        )
        return [row["ct_order_id"] for row in rows]

    async def credit_history(self, *, until: datetime) -> list[CreditChange]:
        rows = await self._readers.fetchall(q("report_credit_history"), {"until": ts(until)})
        return [
            CreditChange(
                return_id=r["return_id"],
                currency=r["currency"],
                at=dt(r["at"]),
                amount_minor=r["amount_minor"],
                state=r["state"],
            )
            for r in rows
        ]

    async def stock_movements(self, *, since: datetime, until: datetime) -> list[StockMovement]:
        params = {"since": ts(since), "until": ts(until)}
        return [movement(r) for r in await self._readers.fetchall(q("report_stock_movements"), params)]

    async def write_offs(self, *, since: datetime, until: datetime) -> list[WriteOff]:
        params = {"since": ts(since), "until": ts(until)}
        return [write_off(r) for r in await self._readers.fetchall(q("report_write_offs"), params)]

    async def exceptions(self, *, until: datetime) -> list[ExceptionRecord]:
        rows = await self._readers.fetchall(q("report_exceptions"), {"until": ts(until)})
        return [exception_record(r) for r in rows]

    async def decisions(self, *, until: datetime) -> list[RefundDecision]:
        rows = await self._readers.fetchall(q("report_decisions"), {"until": ts(until)})
        return [decision(r) for r in rows]

    async def ordered_quantities(self) -> list[OrderedSku]:
        rows = await self._readers.fetchall(q("report_ordered_quantities"), {})
        return [OrderedSku(sku=r["sku"], product=r["product"], quantity=int(r["quantity"])) for r in rows]
