"""The reconciliation report as ONE self-contained HTML file: inline CSS, inline SVG charts, no scripts.

Every figure carries `data-figure="<name>"` so a test (or anyone) can match the page with the JSON.
"""

from __future__ import annotations

from html import escape

from backflow.app.reports.charts import bar_chart, horizontal_bars, line_chart
from backflow.app.reports.ledger_rows import UNKNOWN_CURRENCY
from backflow.app.reports.model import CurrencySection, ReconciliationReport
from backflow.app.reports.period import Period
from backflow.domain.money import Money

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:32px auto;max-width:980px;
color:#111827}
h1{font-size:26px;margin-bottom:4px}
h2{font-size:19px;margin-top:36px;border-bottom:2px solid #e5e7eb;padding-bottom:4px}
.sub{color:#6b7280;margin-top:0}.cards{display:flex;gap:16px;flex-wrap:wrap}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:12px 16px;min-width:180px}
.card .label{color:#6b7280;font-size:13px}.card .value{font-size:22px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}
th,td{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left}td.n,th.n{text-align:right}
th{background:#f9fafb;font-weight:600}.note{color:#6b7280;font-size:13px}
@media print{body{margin:0}}
"""


def _fig(name: str, value: object, *, numeric: bool = True) -> str:
    cls = ' class="n"' if numeric else ""
    return f'<td{cls} data-figure="{escape(name)}">{escape(str(value))}</td>'


def _currency_block(section: CurrencySection) -> str:
    c = section.currency
    r, f, m = section.returns, section.refunds, section.mismatches
    cards = "".join(
        f'<div class="card"><div class="label">{label}</div>'
        f'<div class="value" data-figure="{c}.{name}">{escape(value)}</div></div>'
        for label, name, value in (
            ("Refunds issued", "refunds.issued.total", f"{f.issued.total}"),
            ("Pending credit owed at period end", "liability_at_end", section.liability_at_end),
            ("Mismatches found", "mismatches.found", str(m.found)),
        )
    )
    returns = "".join(
        f"<tr><th>{label}</th>{_fig(f'{c}.returns.{name}', getattr(r, name))}</tr>"
        for label, name in (
            ("Returns opened", "opened"),
            ("Received by the warehouse", "received"),
            ("Refunded", "refunded"),
            ("Refund rejected by finance", "rejected"),
            ("Cancelled", "cancelled"),
        )
    )
    money = "".join(
        f"<tr><th>{label}</th>{_fig(f'{c}.refunds.{name}.count', getattr(f, name).count)}"
        f"{_fig(f'{c}.refunds.{name}.total', getattr(f, name).total)}</tr>"
        for label, name in (
            ("All refunds issued", "issued"),
            ("To the original payment", "original_payment"),
            ("As store credit", "store_credit"),
        )
    )
    decided = "".join(
        f"<tr><th>{label}</th>{_fig(f'{c}.mismatches.{name}', getattr(m, name))}</tr>"
        for label, name in (
            ("Approved at Backflow's amount", "approve_backflow"),
            ("Approved at ReBound's amount", "approve_rebound"),
            ("Rejected", "reject"),
            ("Not decided yet", "undecided"),
        )
    )
    title = escape(c) if c != UNKNOWN_CURRENCY else "Returns not tied to an order (no currency)"
    return (
        f"<h2>{title}</h2><div class='cards'>{cards}</div>"
        f"<h3>Returns</h3><table>{returns}</table>"
        "<h3>Money refunded</h3><table><tr><th></th><th class='n'>Count</th>"
        f"<th class='n'>Total ({escape(c)})</th></tr>{money}</table>"
        f"<h3>Refund mismatches and how they were decided</h3><table>{decided}</table>"
    )


def _charts(report: ReconciliationReport) -> str:
    period = Period.parse(report.period_from, report.period_to)
    days = [d.isoformat() for d in period.days()]
    series: dict[str, list[float]] = {}
    for point in report.liability_by_day:
        values = series.setdefault(point.currency, [0.0] * len(days))
        values[days.index(point.date)] = float(Money.parse(point.amount, point.currency).as_fraction())
    refunded = [0.0] * len(days)
    for point in report.refunds_by_day:
        refunded[days.index(point.date)] += point.count
    reasons = report.top_reasons
    return (
        "<h2>Charts</h2><h3>Pending-credit liability at the end of each day</h3>"
        + line_chart("Liability over the period", days, series)
        + "<h3>Refunds issued per day</h3>"
        + bar_chart("Refunds per day", days, refunded, "number of refunds")
        + "<h3>Top return reasons (units)</h3>"
        + horizontal_bars(
            "Top return reasons", [r.reason for r in reasons], [float(r.units) for r in reasons]
        )
    )


def render_html(report: ReconciliationReport) -> str:
    stock = (
        "".join(
            f"<tr><td>{escape(s.sku)}</td><td>{escape(s.disposition)}</td>"
            f"{_fig(f'stock.{s.sku}.{s.disposition}.restocked', s.restocked)}"
            f"{_fig(f'stock.{s.sku}.{s.disposition}.written_off', s.written_off)}</tr>"
            for s in report.stock
        )
        or "<tr><td colspan='4' class='note'>No stock movements in this period.</td></tr>"
    )
    owners = (
        "".join(
            f"<tr><td>{escape(o.owner)}</td>"
            + "".join(
                _fig(f"exceptions.{o.owner}.{name}", getattr(o, name))
                for name in (
                    "opened",
                    "resolved",
                    "open_at_end",
                    "open_under_1_day",
                    "open_1_to_7_days",
                    "open_over_7_days",
                )
            )
            + "</tr>"
            for o in report.exceptions_by_owner
        )
        or "<tr><td colspan='7' class='note'>No exceptions.</td></tr>"
    )
    currencies = (
        "".join(_currency_block(s) for s in report.currencies) or "<p>No activity in this period.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Backflow reconciliation {escape(report.period_from)} to {escape(report.period_to)}</title>"
        f"<style>{CSS}</style></head><body>"
        f"<h1>Returns reconciliation</h1><p class='sub'>{escape(report.period_from)} to "
        f"{escape(report.period_to)} (UTC) &middot; generated {escape(report.generated_at[:19])}</p>"
        "<p class='note'>Figures come from Backflow's ledgers. The CSV and JSON exports of this report list "
        "the rows behind every figure.</p>"
        f"{currencies}"
        "<h2>Stock restocked and written off</h2><table><tr><th>SKU</th><th>Disposition</th>"
        f"<th class='n'>Restocked</th><th class='n'>Written off</th></tr>{stock}</table>"
        "<h2>Exceptions by owner</h2><table><tr><th>Owner</th><th class='n'>Opened</th>"
        "<th class='n'>Resolved</th>"
        "<th class='n'>Open at end</th><th class='n'>&lt; 1 day</th><th class='n'>1&ndash;7 days</th>"
        f"<th class='n'>&gt; 7 days</th></tr>{owners}</table>"
        f"{_charts(report)}</body></html>"
    )
