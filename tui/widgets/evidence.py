"""An exception's evidence for people: a refund mismatch as both figures line by line, else the JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tui.format import pretty_json


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
    facts = Text.assemble(
        ("order ", "dim"),
        str(evidence.get("order_id")),
        ("  version ", "dim"),
        str(evidence.get("order_version")),
        ("  milestone ", "dim"),
        str(evidence.get("milestone")),
        ("  outcome ", "dim"),
        str(evidence.get("outcome")),
        ("  tolerance ", "dim"),
        f"{evidence.get('tolerance_minor')} minor units",
    )
    return Group(table, facts, _options(evidence.get("decision")))


def _options(decision: Any) -> Text:
    if not isinstance(decision, dict):
        return Text("")
    text = Text("decisions: ", style="dim")
    for option in decision.get("options", []):
        name = str(option.get("action"))
        amount = f" {option['amount']} {option.get('currency', '')}" if "amount" in option else ""
        refused = option.get("allowed") is False
        style = "strike dim" if refused else ""
        text.append(f"{name}{amount}", style=style)
        if refused:
            text.append(f" (over the {option.get('limit')} limit)", style="dim")
        text.append("  ")
    return text
