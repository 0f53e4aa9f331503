"""The commercetools and ReBound states of a return, item by item, side by side.

ReBound's side is its latest snapshot; the commercetools side is what Backflow has written there
(return info, payment state, stock), derived from the case and its ledgers.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from backflow.app.entrypoints.http.views import ReturnDetail

# Positions after the return was written to commercetools as return info.
_ANCHORED = {"ANCHORED", "REFUND_PENDING", "REFUNDED", "HELD_FOR_FINANCE", "CLOSED"}


def render_states(detail: ReturnDetail) -> RenderableType:
    snapshot: dict[str, Any] = detail.snapshot if isinstance(detail.snapshot, dict) else {}
    order: dict[str, Any] = snapshot["order"] if isinstance(snapshot.get("order"), dict) else {}
    case = detail.case
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    head.add_column(style="bold")
    head.add_column()
    head.add_row("Backflow", case.state, "ReBound", str(order.get("status", "—")))
    head.add_row("order", case.client_order_id or "—", "ct order id", case.ct_order_id or "—")
    head.add_row("sequence", str(case.last_sequence), "flow", str(order.get("flow", "—")))
    items = Table("item", "sku", "ReBound: qty, grading", "commercetools: shipment / payment", expand=True)
    refunded = any(r.state == "recorded" for r in detail.refunds)
    movements = {m.item_id: m.state for m in detail.stock_movements}
    listed = snapshot.get("items")
    for item in listed if isinstance(listed, list) else []:
        item_id = str(item.get("reboundItemId"))
        received = item.get("quantityReceived")
        grading = " ".join(str(item[k]) for k in ("condition", "disposition") if item.get(k))
        rebound = (
            f"{received if received is not None else '?'}/{item.get('quantityExpected')} {grading}".strip()
        )
        ct = _ct_state(case.state, item, movements.get(item_id), refunded)
        items.add_row(item_id, str(item.get("sku")), rebound, ct)
    return Group(head, items)


def _ct_state(case_state: str, item: dict[str, Any], movement: str | None, refunded: bool) -> Text:
    if case_state.upper() not in _ANCHORED:
        return Text("not written (not anchored)", style="dim")
    if movement == "applied":
        shipment = "BackInStock"
    elif movement is not None:
        shipment = f"Returned (restock {movement})"
    elif item.get("disposition"):
        shipment = "Unusable"  # graded, and no stock movement planned for it
    else:
        shipment = "Returned" if item.get("quantityReceived") else "Advised"
    if refunded:
        payment = "Refunded"
    elif case_state.upper() == "HELD_FOR_FINANCE":
        payment = "NotRefunded"
    else:
        payment = "Initial" if item.get("quantityReceived") else "NonRefundable"
    return Text(f"{shipment} / {payment}")
