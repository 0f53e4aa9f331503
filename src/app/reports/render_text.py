"""The reconciliation report as a terminal table, as CSV (figures, then the rows behind them) and JSON."""

from __future__ import annotations

import csv
import io

import msgspec

from backflow.app.reports.model import ReconciliationReport


def figures(report: ReconciliationReport) -> list[tuple[str, str, str]]:
    """(currency or scope, figure name, value) for every figure of the report."""
    found: list[tuple[str, str, str]] = []
    for section in report.currencies:
        c = section.currency
        for name, value in msgspec.to_builtins(section.returns).items():
            found.append((c, f"returns.{name}", str(value)))
        for kind, totals in msgspec.to_builtins(section.refunds).items():
            found.append((c, f"refunds.{kind}.count", str(totals["count"])))
            found.append((c, f"refunds.{kind}.total", totals["total"]))
        found.append((c, "liability_at_end", section.liability_at_end))
        for name, value in msgspec.to_builtins(section.mismatches).items():
            found.append((c, f"mismatches.{name}", str(value)))
    for line in report.stock:
        found.append(("stock", f"{line.sku}.{line.disposition}.restocked", str(line.restocked)))
        found.append(("stock", f"{line.sku}.{line.disposition}.written_off", str(line.written_off)))
    for owner in report.exceptions_by_owner:
        for name, value in msgspec.to_builtins(owner).items():
            if name != "owner":
                found.append(("exceptions", f"{owner.owner}.{name}", str(value)))
    return found


def render_table(report: ReconciliationReport) -> str:
    rows = figures(report)
    width = max((len(f"{scope} {name}") for scope, name, _ in rows), default=20)
    lines = [f"Reconciliation {report.period_from} to {report.period_to} (UTC)", ""]
    lines += [f"{f'{scope} {name}':<{width}}  {value:>14}" for scope, name, value in rows]
    if not rows:
        lines.append("No activity in this period.")
    return "\n".join(lines) + "\n"


def render_csv(report: ReconciliationReport) -> str:
    """One table: `figure` lines first, then one line per row behind them, named by its record type."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["record", "id", "return_id", "currency", "measure", "value", "at"])
    for scope, name, value in figures(report):
        writer.writerow(["figure", "", "", scope, name, value, ""])
    rows = report.rows
    for r in rows.returns:
        writer.writerow(["return", "", r.return_id, r.currency, r.event, 1, r.at])
    for f in rows.refunds:
        writer.writerow(["refund", f.interaction_id, f.return_id, f.currency, f.outcome, f.amount, f.at])
        if f.order_paid is not None:  # the order as paid when refunded (version > 1: edited)
            measure = f"order_paid:v{f.order_version}"
            writer.writerow(
                ["refund_order", f.interaction_id, f.return_id, f.currency, measure, f.order_paid, f.at]
            )
    for owed in rows.liability:
        writer.writerow(["liability", "", owed.return_id, owed.currency, "owed", owed.amount, owed.posted_at])
    for m in rows.mismatches:
        writer.writerow(
            ["mismatch", m.exception_id, m.return_id, m.currency, m.decision, 1, m.decided_at or ""]
        )
    for s in rows.stock:
        writer.writerow(
            ["stock", s.marker, s.return_id, "", f"{s.kind}:{s.sku}:{s.disposition}", s.quantity, s.at]
        )
    for e in rows.exceptions:
        state = "open_at_end" if e.open_at_end else ("resolved" if e.resolved_in_period else "opened")
        writer.writerow(
            ["exception", e.id, "", e.owner, f"{e.type}:{state}", e.age_days_at_end or "", e.first_seen]
        )
    return out.getvalue()


def render_json(report: ReconciliationReport) -> str:
    return msgspec.json.format(msgspec.json.encode(report).decode(), indent=2) + "\n"
