"""A return's timeline: every event received, call made and decision taken, oldest first."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from backflow.app.entrypoints.http.views import ReturnDetail
from backflow.tui.format import short, stamp

OUTCOME_STYLES = {
    "ok": "green",
    "failed": "bold red",
    "exception": "bold red",
    "held": "yellow",
    "orphan": "bold red",
    "stale": "dim",
}


def render_timeline(detail: ReturnDetail) -> RenderableType:
    if not detail.timeline_available:
        return Text("The daemon has no timeline store; only the ledgers below are known.", style="dim")
    table = Table("when", "source", "what", "outcome", "detail", expand=True, show_lines=False)
    for entry in detail.timeline:
        table.add_row(
            stamp(entry.at),
            entry.source,
            Text(entry.action),
            Text(entry.outcome, style=OUTCOME_STYLES.get(entry.outcome, "")),
            Text(short(_detail(entry.detail), 60), style="dim"),
        )
    if not detail.timeline:
        table.add_row("—", "", "nothing recorded yet", "", "")
    return table


def _detail(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if not isinstance(v, dict | list))
    return "" if value is None else str(value)
