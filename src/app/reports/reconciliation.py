"""The month-end reconciliation: per currency, what happened to returns, money, liability, mismatches,
stock and exceptions in the period. `gather` reads the ledgers through the `ReportSource`; `build` is
pure: every figure is a count or a sum of the rows it also returns (so the exports can be traced)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import msgspec

from backflow.app.core.settings import Settings
from backflow.app.reports.ledger_rows import (
    UNKNOWN_CURRENCY,
    amount,
    currencies_of_returns,
    iso,
    liability_by_day,
    liability_rows,
    refund_rows,
    return_rows,
    stock_rows,
)
from backflow.app.reports.model import (
    CountTotal,
    CurrencySection,
    DayAmount,
    ExceptionRow,
    LiabilityRow,
    MismatchCounts,
    MismatchRow,
    OwnerLine,
    ReconciliationReport,
    RefundRow,
    RefundTotals,
    ReturnCounts,
    ReturnRow,
    Rows,
    StockLine,
    StockRow,
)
from backflow.app.reports.period import Period
from backflow.app.reports.reasons import top_reasons
from backflow.domain.money import Money
from backflow.ports.decisions import RefundDecision
from backflow.ports.exceptions import ExceptionRecord, ExceptionState
from backflow.ports.ledgers import StockMovement, WriteOff
from backflow.ports.reports import CreditChange, RefundEntry, ReportSource, StatusChange
from backflow.ports.return_cases import ReturnCaseRecord


class Ledgers(msgspec.Struct, kw_only=True):
    """Everything the report reads, as recorded up to the end of the period (decisions: up to now)."""

    cases: list[ReturnCaseRecord]
    history: list[StatusChange]
    refunds: list[RefundEntry]
    credits: list[CreditChange]
    movements: list[StockMovement]
    write_offs: list[WriteOff]
    exceptions: list[ExceptionRecord]
    decisions: list[RefundDecision]


async def gather(source: ReportSource, period: Period, now: datetime) -> Ledgers:
    """The ledgers `build` reads, for the returns the period names: created or changed in it, or named
    by its refunds, decisions and mismatches (every row `build` makes is about one of them), with
    all of their history, refunds and credits (their currency comes from those); of other returns only
    the credits still owed when the period began. Never every return ever stored."""
    start, end = period.start, period.end
    exceptions = await source.exceptions(until=end)
    decisions = await source.decisions(until=max(now, end))
    named = {e.refund.return_id for e in await source.active_refunds(since=start, until=end)}
    named |= {d.return_id for d in decisions if period.contains(d.decided_at)}
    named |= {x.return_id for x in exceptions if x.return_id and period.contains(x.first_seen)}
    cases = await source.active_return_cases(since=start, until=end, including=sorted(named))
    everyone = sorted(named | {c.return_id for c in cases})
    return Ledgers(
        cases=cases,
        history=await source.active_status_history(since=start, until=end),
        refunds=await source.active_refunds(since=start, until=end, including=everyone),
        credits=await source.active_credit_history(since=start, until=end, including=everyone),
        movements=await source.stock_movements(since=start, until=end),
        write_offs=await source.write_offs(since=start, until=end),
        exceptions=exceptions,
        decisions=decisions,
    )


def build(ledgers: Ledgers, period: Period, settings: Settings, now: datetime) -> ReconciliationReport:
    known = currencies_of_returns(ledgers.cases, ledgers.credits, ledgers.refunds)

    def currency_of(return_id: str) -> str:
        return known.get(return_id, UNKNOWN_CURRENCY)

    returns = return_rows(
        period,
        cases=ledgers.cases,
        history=ledgers.history,
        refunds=ledgers.refunds,
        decisions=ledgers.decisions,
        currency_of=currency_of,
    )
    refunds = refund_rows(period, ledgers.refunds)
    liability = liability_rows(ledgers.credits, period.end)
    mismatches = _mismatch_rows(period, ledgers.exceptions, ledgers.decisions, currency_of)
    stock = stock_rows(period, ledgers.movements, ledgers.write_offs)
    exceptions = _exception_rows(period, ledgers.exceptions)
    currencies = sorted(
        {r.currency for r in returns}
        | {r.currency for r in refunds}
        | {r.currency for r in liability}
        | {m.currency for m in mismatches}
    )
    sections = [_section(c, returns, refunds, liability, mismatches) for c in currencies]
    by_day = liability_by_day(ledgers.credits, period.days(), _end_of_day)
    return ReconciliationReport(
        period_from=period.first_day.isoformat(),
        period_to=period.last_day.isoformat(),
        generated_at=iso(now),
        currencies=sections,
        stock=_stock_lines(stock),
        exceptions_by_owner=_owner_lines(exceptions),
        liability_by_day=[
            DayAmount(date=day, currency=currency, amount=amount(minor, currency))
            for (day, currency), minor in sorted(by_day.items())
        ],
        refunds_by_day=_refunds_by_day(refunds),
        top_reasons=top_reasons(ledgers.cases, period, settings, limit=10),
        rows=Rows(
            returns=returns,
            refunds=refunds,
            liability=liability,
            mismatches=mismatches,
            stock=stock,
            exceptions=exceptions,
        ),
    )


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def _total(rows: list[RefundRow], currency: str) -> CountTotal:
    if currency == UNKNOWN_CURRENCY:
        return CountTotal(count=len(rows), total="0")
    minor = sum(Money.parse(r.amount, currency).minor_units for r in rows)
    return CountTotal(count=len(rows), total=amount(minor, currency))


def _section(
    currency: str,
    returns: list[ReturnRow],
    refunds: list[RefundRow],
    liability: list[LiabilityRow],
    mismatches: list[MismatchRow],
) -> CurrencySection:
    events = Counter(r.event for r in returns if r.currency == currency)
    paid = [r for r in refunds if r.currency == currency]
    decided = Counter(m.decision for m in mismatches if m.currency == currency)
    owed = [Money.parse(r.amount, currency).minor_units for r in liability if r.currency == currency]
    return CurrencySection(
        currency=currency,
        returns=ReturnCounts(
            opened=events["opened"],
            received=events["received"],
            refunded=events["refunded"],
            rejected=events["rejected"],
            cancelled=events["cancelled"],
        ),
        refunds=RefundTotals(
            issued=_total(paid, currency),
            original_payment=_total([r for r in paid if r.outcome == "original-payment"], currency),
            store_credit=_total([r for r in paid if r.outcome == "store-credit"], currency),
        ),
        liability_at_end=amount(sum(owed), currency) if currency != UNKNOWN_CURRENCY else "0",
        mismatches=MismatchCounts(
            found=sum(decided.values()),
            approve_backflow=decided["approve_backflow"],
            approve_rebound=decided["approve_rebound"],
            reject=decided["reject"],
            undecided=decided["undecided"],
        ),
    )


def _mismatch_rows(
    period: Period,
    exceptions: list[ExceptionRecord],
    decisions: list[RefundDecision],
    currency_of: Callable[[str], str],
) -> list[MismatchRow]:
    by_exception = {d.exception_id: d for d in decisions}
    rows = []
    for record in exceptions:
        if record.type != "refund_mismatch" or not period.contains(record.first_seen):
            continue
        decided = by_exception.get(record.id)
        rows.append(
            MismatchRow(
                exception_id=record.id,
                return_id=record.return_id,
                currency=currency_of(record.return_id or ""),
                first_seen=iso(record.first_seen),
                decision=decided.decision.value if decided else "undecided",
                decided_by=decided.actor if decided else None,
                decided_at=iso(decided.decided_at) if decided and decided.decided_at else None,
            )
        )
    return rows


def _resolved_at(record: ExceptionRecord) -> datetime | None:
    return record.changed_at if record.state == ExceptionState.RESOLVED else None


def _exception_rows(period: Period, exceptions: list[ExceptionRecord]) -> list[ExceptionRow]:
    rows = []
    for record in exceptions:
        resolved = _resolved_at(record)
        open_at_end = record.first_seen < period.end and (resolved is None or resolved >= period.end)
        age = (period.end - record.first_seen).total_seconds() / 86400 if open_at_end else None
        rows.append(
            ExceptionRow(
                id=record.id,
                type=record.type,
                owner=record.owner,
                first_seen=iso(record.first_seen),
                opened_in_period=period.contains(record.first_seen),
                resolved_in_period=period.contains(resolved),
                open_at_end=open_at_end,
                age_days_at_end=None if age is None else round(age, 2),
            )
        )
    return [r for r in rows if r.opened_in_period or r.resolved_in_period or r.open_at_end]


def _owner_lines(rows: list[ExceptionRow]) -> list[OwnerLine]:
    lines: dict[str, OwnerLine] = {}
    for row in rows:
        line = lines.setdefault(row.owner, OwnerLine(owner=row.owner))
        line.opened += row.opened_in_period
        line.resolved += row.resolved_in_period
        if row.open_at_end and row.age_days_at_end is not None:
            line.open_at_end += 1
            if row.age_days_at_end < 1:
                line.open_under_1_day += 1
            elif row.age_days_at_end <= 7:
                line.open_1_to_7_days += 1
            else:
                line.open_over_7_days += 1
    return [lines[owner] for owner in sorted(lines)]


def _stock_lines(rows: list[StockRow]) -> list[StockLine]:
    lines: dict[tuple[str, str], StockLine] = {}
    for row in rows:
        line = lines.setdefault(
            (row.sku, row.disposition), StockLine(sku=row.sku, disposition=row.disposition)
        )
        if row.kind == "restocked":
            line.restocked += row.quantity
        else:
            line.written_off += row.quantity
    return [lines[key] for key in sorted(lines)]


def _refunds_by_day(rows: list[RefundRow]) -> list[DayAmount]:
    totals: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        key = (row.at[:10], row.currency)
        entry = totals.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += Money.parse(row.amount, row.currency).minor_units
    return [
        DayAmount(date=day, currency=currency, amount=amount(minor, currency), count=count)
        for (day, currency), (count, minor) in sorted(totals.items())
    ]
