"""Why things come back: returns by mapped reason code, by product and SKU, with the return rate where
the units ordered are known (orders Backflow synced), so merchandising sees fit and quality problems."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backflow.app.core.cases import load
from backflow.app.core.settings import Settings
from backflow.app.reports.model import ReasonLine
from backflow.app.reports.period import Period
from backflow.ports.reports import OrderedSku, ReportSource
from backflow.ports.return_cases import ReturnCaseRecord

UNMAPPED = "unmapped: "
PAGE = 2000
"""Cases read at once by the whole-history report."""


class ReturnedItem(msgspec.Struct, frozen=True, kw_only=True):
    """One returned item, as the rows behind the reasons report."""

    return_id: str
    sku: str
    reason: str
    """The retailer's reason key, `unmapped: <ReBound's text>` or `none`."""
    units: int
    opened_at: str


class SkuLine(msgspec.Struct, kw_only=True):
    sku: str
    product: str | None
    reason: str
    returns: int
    units_returned: int
    units_ordered: int | None
    return_rate: float | None
    """units returned / units ordered, where the order quantities are known."""


class ReasonsReport(msgspec.Struct, kw_only=True):
    period_from: str | None
    period_to: str | None
    generated_at: str
    by_reason: list[ReasonLine]
    by_sku: list[SkuLine]
    rows: list[ReturnedItem]


def returned_items(
    cases: list[ReturnCaseRecord], period: Period | None, settings: Settings
) -> list[ReturnedItem]:
    found = []
    for record in cases:
        if period is not None and not period.contains(record.created_at):
            continue
        snapshot = load(record).snapshot
        for item in snapshot.items if snapshot else []:
            code = item.reasonCode
            key = settings.reason_key(code) if code else None
            reason = key or (f"{UNMAPPED}{code}" if code else "none")
            found.append(
                ReturnedItem(
                    return_id=record.return_id,
                    sku=item.sku,
                    reason=reason,
                    units=item.quantityExpected,
                    opened_at=record.created_at.isoformat(),
                )
            )
    return found


def _by_reason(items: list[ReturnedItem]) -> list[ReasonLine]:
    returns: dict[str, set[str]] = {}
    units: dict[str, int] = {}
    for item in items:
        returns.setdefault(item.reason, set()).add(item.return_id)
        units[item.reason] = units.get(item.reason, 0) + item.units
    lines = [ReasonLine(reason=r, returns=len(ids), units=units[r]) for r, ids in returns.items()]
    return sorted(lines, key=lambda line: (-line.units, line.reason))


def top_reasons(
    cases: list[ReturnCaseRecord], period: Period, settings: Settings, *, limit: int
) -> list[ReasonLine]:
    return _by_reason(returned_items(cases, period, settings))[:limit]


async def read_returned_items(
    source: ReportSource, period: Period | None, settings: Settings
) -> list[ReturnedItem]:
    """The returned items of the cases created in the period, read a page of cases at a time: only the
    items are kept, never every case with its snapshot at once."""
    items: list[ReturnedItem] = []
    after = None
    while True:
        page = await source.return_cases_page(
            since=period.start if period else None,
            until=period.end if period else None,
            after=after,
            limit=PAGE,
        )
        items += returned_items(page.cases, period, settings)
        if page.next_after is None:
            return items
        after = page.next_after


def reasons_report(
    cases: list[ReturnCaseRecord],
    ordered: list[OrderedSku],
    period: Period | None,
    settings: Settings,
    now: datetime,
) -> ReasonsReport:
    return reasons_report_of(returned_items(cases, period, settings), ordered, period, now)


def reasons_report_of(
    items: list[ReturnedItem], ordered: list[OrderedSku], period: Period | None, now: datetime
) -> ReasonsReport:
    known = {o.sku: o for o in ordered}
    lines: dict[tuple[str, str], SkuLine] = {}
    seen: dict[tuple[str, str], set[str]] = {}
    for item in items:
        key = (item.sku, item.reason)
        sku = known.get(item.sku)
        line = lines.setdefault(
            key,
            SkuLine(
                sku=item.sku,
                product=sku.product if sku else None,
                reason=item.reason,
                returns=0,
                units_returned=0,
                units_ordered=sku.quantity if sku else None,
                return_rate=None,
            ),
        )
        line.units_returned += item.units
        seen.setdefault(key, set()).add(item.return_id)
    for key, line in lines.items():
        line.returns = len(seen[key])
        if line.units_ordered:
            line.return_rate = round(line.units_returned / line.units_ordered, 4)
    return ReasonsReport(
        period_from=period.first_day.isoformat() if period else None,
        period_to=period.last_day.isoformat() if period else None,
        generated_at=now.isoformat(),
        by_reason=_by_reason(items),
        by_sku=sorted(lines.values(), key=lambda line: (-line.units_returned, line.sku, line.reason)),
        rows=items,
    )
