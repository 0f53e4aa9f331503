"""A return's ledger rows: refunds, stock movements, pending credit."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from backflow.app.entrypoints.http.views import ReturnDetail
from backflow.tui.format import money, stamp


def render_ledger(detail: ReturnDetail) -> RenderableType:
    refunds = Table(
        "refund", "amount", "outcome", "state", "payment", title="Refunds", title_justify="left", expand=True
    )
    for r in detail.refunds:
        refunds.add_row(
            Text(r.interaction_id), money(r.amount_minor, r.currency), r.outcome, r.state, r.payment_id or "—"
        )
    stock = Table(
        "marker",
        "sku",
        "qty",
        "disposition",
        "channel",
        "state",
        title="Stock movements",
        title_justify="left",
        expand=True,
    )
    for m in detail.stock_movements:
        channel = m.supply_channel or "default"
        stock.add_row(Text(m.marker), m.sku, str(m.quantity), m.disposition or "—", channel, m.state)
    credits = Table(
        "amount", "state", "posted", "released", title="Pending credit", title_justify="left", expand=True
    )
    for c in detail.pending_credits:
        credits.add_row(money(c.amount_minor, c.currency), c.state, stamp(c.posted_at), stamp(c.released_at))
    for table in (refunds, stock, credits):
        if not table.row_count:
            table.add_row(Text("none", style="dim"), *[""] * (len(table.columns) - 1))
    return Group(refunds, stock, credits)
