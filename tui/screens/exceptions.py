"""Exceptions: a filtered table, the selected one's evidence, and exactly the actions it allows."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header

from backflow.app.entrypoints.http.views import ExceptionDetail, ExceptionView
from backflow.tui.actions import SPECS, allowed, prompt_for
from backflow.tui.client import ApiError, ExceptionFilters, Unreachable
from backflow.tui.format import duration, label, short
from backflow.tui.messages import Notice
from backflow.tui.screens.form_modal import FormModal
from backflow.tui.widgets.exception_detail import ExceptionDetailPane
from backflow.tui.widgets.exception_filters import FilterBar
from backflow.tui.widgets.status_bar import StatusBar


class ExceptionsScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "reload", "Refresh"),
        Binding("f", "focus_filters", "Filters"),
        *(Binding(spec.key, f"act('{name}')", spec.label) for name, spec in SPECS.items()),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[int, ExceptionView] = {}
        self.filters = ExceptionFilters()
        self.shown: ExceptionFilters | None = None
        """The filters of the list on screen (None until the first answer)."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        yield FilterBar(id="filters")
        with Horizontal(id="exceptions-body", classes="split"):
            table: DataTable[str | Text] = DataTable(
                id="exception-table", cursor_type="row", zebra_stripes=True
            )
            table.border_title = "Exceptions"
            yield table
            yield ExceptionDetailPane(id="exception-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("id", "owner", "type", "state", "age", "return")
        self.query_one(DataTable).focus()
        self.load()

    @property
    def selected(self) -> ExceptionView | None:
        detail = self.query_one(ExceptionDetailPane).detail
        return None if detail is None else detail.exception

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Only the actions the selected exception allows appear in the footer and run.
        if action == "act":
            item = self.selected
            return item is not None and parameters[0] in allowed(item)
        return True

    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        self.filters = event.filters
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_focus_filters(self) -> None:
        self.query_one("#filter-owner").focus()

    @work(exclusive=True, group="exception-list", exit_on_error=False)
    async def load(self) -> None:
        try:
            listed = await self.app.client.exceptions(self.filters)  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Could not load exceptions: {exc}", error=True))
            return
        self.items = {item.id: item for item in listed.items}
        table: DataTable[str | Text] = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for item in listed.items:
            table.add_row(
                str(item.id),
                item.owner,
                label(item.type),
                item.state,
                duration(item.age_seconds),
                Text(short(item.return_id or item.order_ref or "—", 24)),
                key=str(item.id),
            )
        table.border_title = f"Exceptions ({listed.count})"
        self.shown = self.filters
        if listed.items:
            table.move_cursor(row=min(keep, len(listed.items) - 1))
        current = self.selected
        if current is not None:
            self.open(current.id)

    @on(DataTable.RowSelected, "#exception-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open(int(event.row_key.value))

    @work(exclusive=True, group="exception-detail", exit_on_error=False)
    async def open(self, exception_id: int) -> None:
        try:
            detail = await self.app.client.exception(exception_id)  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Could not open exception {exception_id}: {exc}", error=True))
            return
        await self._show(detail)

    async def _show(self, detail: ExceptionDetail | None) -> None:
        await self.query_one(ExceptionDetailPane).show(detail, self.app.clock())  # type: ignore[attr-defined]
        self.refresh_bindings()

    @on(Button.Pressed, "#detail-actions Button")
    def _button(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("do-"):
            self.action_act(event.button.id.removeprefix("do-"))

    def action_act(self, action: str) -> None:
        item = self.selected
        if item is None or action not in allowed(item):
            return
        prompt = prompt_for(item, action)
        if prompt is None:
            self.perform(item.id, action, {})
            return

        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                self.perform(item.id, action, values)

        modal = FormModal(
            prompt.title, prompt.text, prompt.fields, confirm=prompt.confirm, money=prompt.money
        )
        self.app.push_screen(modal, answered)

    @work(exclusive=True, group="exception-action", exit_on_error=False)
    async def perform(self, exception_id: int, action: str, values: dict[str, str]) -> None:
        client: Any = self.app.client  # type: ignore[attr-defined]
        note = values.get("note") or None
        try:
            if action == "ack":
                await client.acknowledge(exception_id)
            elif action == "retry":
                result = await client.retry(exception_id, note)
                if result.duplicate:
                    self.post_message(Notice(f"#{exception_id}: the retry is already queued"))
            elif action == "resolve":
                await client.resolve(exception_id, values["note"])
            elif action == "reanchor":
                await client.reanchor(exception_id, values["order_number"], values["note"])
            else:
                await client.decide(exception_id, action, values["note"])
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"{SPECS[action].label} #{exception_id} failed: {exc}", error=True))
        else:
            self.post_message(Notice(f"{SPECS[action].label}: #{exception_id} done"))
        self.load()
        self.open(exception_id)
