"""An exception's evidence for people: a refund mismatch as both figures line by line, else the JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from backflow.tui.format import pretty_json


def render_evidence(kind: str, evidence: Any) -> RenderableType:
    if kind == "refund_mismatch" and isinstance(evidence, dict) and isinstance(evidence.get("lines"), list):
        return _refund_mismatch(evidence)
    if isinstance(evidence, dict):
        rest = {k: v for k, v in evidence.items() if k != "retry"}
        parts: list[RenderableType] = [Text(pretty_json(rest) if rest else "(no evidence)")]
        retry = evidence.get("retry")
        if isinstance(retry, dict):
            parts.append(Text(f"retry re-queues {retry.get('kind')} ({retry.get('idempotency_key')})", "dim"))
        return Group(*parts)
    return Text(pretty_json(evidence))


def _refund_mismatch(evidence: dict[str, Any]) -> RenderableType:
    currency = str(evidence.get("currency", ""))
    table = Table(title=f"Refund figures ({currency})", title_justify="left", expand=True)
    table.add_column("line")
    table.add_column("Backflow", justify="right")
    table.add_column("ReBound", justify="right")
    table.add_column("diff (minor)", justify="right")
    for line in evidence["lines"]:
        diff = int(line.get("difference_minor", 0))
        table.add_row(
            str(line.get("line_id")),
            str(line.get("backflow")),
            str(line.get("rebound")),
            Text(f"{diff:+d}", style="bold red" if diff else ""),
        )
    table.add_section()
    table.add_row(
        Text("total", style="bold"),
        Text(str(evidence.get("backflow_total")), style="bold"),
        Text(str(evidence.get("rebound_total")), style="bold"),
        str(evidence.get("decision", {}).get("difference", "")),
    )
    return Group(table, *_facts(evidence))


def _facts(evidence: dict[str, Any]) -> list[Table]:
    """The order and proposal as label/value pairs, two to a row in aligned columns; then the decisions."""
    tolerance = evidence.get("tolerance_minor")
    pairs = [
        ("order", str(evidence.get("order_id", "—"))),
        ("version", str(evidence.get("order_version", "—"))),
        ("milestone", str(evidence.get("milestone", "—"))),
        ("outcome", str(evidence.get("outcome", "—"))),
        ("tolerance", f"{tolerance} minor unit{'' if tolerance == 1 else 's'}"),
    ]
    facts = Table.grid(padding=(0, 2))
    for _ in range(2):
        facts.add_column(style="bold", no_wrap=True, min_width=9)
        facts.add_column(overflow="fold")
    for n in range(0, len(pairs), 2):
        cells = [cell for pair in pairs[n : n + 2] for cell in pair]
        facts.add_row(*cells, *[""] * (4 - len(cells)))
    options = _options(evidence.get("decision"))
    if options is None:
        return [facts]
    decisions = Table.grid(padding=(0, 2))
    decisions.add_column(style="bold", no_wrap=True, min_width=9)
    decisions.add_column(overflow="fold")
    decisions.add_row("decisions", options)
    return [facts, decisions]


def _options(decision: Any) -> Text | None:
    """One decision a line, with what it pays; one a person may not take is struck through."""
    if not isinstance(decision, dict):
        return None
    text = Text()
    for n, option in enumerate(decision.get("options", [])):
        if n:
            text.append("\n")
        name = str(option.get("action"))
        amount = f" {option['amount']} {option.get('currency', '')}" if "amount" in option else ""
        refused = option.get("allowed") is False
        text.append(f"{name}{amount}", style="strike dim" if refused else "")
        if refused:
            text.append(f" (over the {option.get('limit')} limit)", style="dim")
    return text
