"""The detail pane: what the exception is, its evidence and history, and a button per allowed action."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from backflow.app.entrypoints.http.views import ExceptionDetail
from backflow.tui.actions import SPECS, allowed, moves_money
from backflow.tui.format import duration, label, stamp
from backflow.tui.widgets.evidence import render_evidence


class ExceptionDetailPane(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel detail")
        self.border_title = "Detail"
        self.detail: ExceptionDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static("Select an exception (Enter) to see its evidence and actions.", id="detail-summary")
        yield Horizontal(id="detail-actions")
        yield Static("", id="detail-evidence")
        yield Static("", id="detail-events")

    async def show(self, detail: ExceptionDetail | None, now: datetime) -> None:
        if detail == self.detail:
            return
        self.detail = detail
        actions = self.query_one("#detail-actions", Horizontal)
        await actions.remove_children()
        if detail is None:
            self.query_one("#detail-summary", Static).update("Select an exception (Enter) to see it.")
            self.query_one("#detail-evidence", Static).update("")
            self.query_one("#detail-events", Static).update("")
            return
        item = detail.exception
        self.border_title = f"#{item.id} {label(item.type)}"
        summary = Table.grid(padding=(0, 1))
        summary.add_column(style="bold")
        summary.add_column()
        summary.add_row("owner", f"{item.owner}   severity {item.severity}   state {item.state}")
        summary.add_row("return", f"{item.return_id or '—'}   order {item.order_ref or '—'}")
        summary.add_row(
            "seen", f"{item.count} sighting(s) since {stamp(item.first_seen)} ({duration(item.age_seconds)})"
        )
        if item.note:
            summary.add_row("note", Text(f"{item.note} — {item.changed_by or ''}"))
        self.query_one("#detail-summary", Static).update(summary)
        buttons = [
            # The label alone (the footer shows each key): "Label [k]" would be read as markup and lose
            # the "[k]", and with it five buttons do not fit the pane at 80 columns.
            Button(
                Content(SPECS[a].label),
                tooltip=f"key: {SPECS[a].key}",
                id=f"do-{a}",
                variant="warning" if moves_money(item, a) else "default",
            )
            for a in allowed(item)
        ]
        if buttons:
            await actions.mount_all(buttons)
        else:
            await actions.mount(Static(Text("no actions: resolved", style="dim")))
        self.query_one("#detail-evidence", Static).update(render_evidence(item.type, item.evidence))
        events = Table("when", "what", "who", "note", title="History", title_justify="left", expand=True)
        for event in detail.events:
            events.add_row(stamp(event.at), event.action, event.actor or "—", Text(event.note or ""))
        self.query_one("#detail-events", Static).update(Group(events))
