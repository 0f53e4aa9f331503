"""Reading what a screen shows, as plain text, for assertions; opening exceptions and reading their
history in the store."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static

from backflow.tui.app import BackflowApp
from backflow.tui.screens.exceptions import ExceptionsScreen
from backflow.tui.widgets.exception_detail import ExceptionDetailPane
from tests.tui.conftest import LiveDaemon, until


def plain(widget: Widget) -> str:
    if isinstance(widget, DataTable):
        rows = [" | ".join(str(cell) for cell in widget.get_row_at(i)) for i in range(widget.row_count)]
        return "\n".join(rows)
    assert isinstance(widget, Static)
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def column(table: DataTable, index: int) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def open_exceptions(app: BackflowApp, pilot: Any) -> ExceptionsScreen:
    await pilot.press("2")
    screen = await until(lambda: isinstance(app.screen, ExceptionsScreen) and app.screen)
    await until(lambda: screen.query_one(DataTable).row_count > 0)
    return screen


async def open_exception(screen: ExceptionsScreen, pilot: Any, type_label: str) -> ExceptionDetailPane:
    table = screen.query_one(DataTable)
    row = column(table, 2).index(type_label)
    table.focus()
    table.move_cursor(row=row)
    await pilot.press("enter")
    pane = screen.query_one(ExceptionDetailPane)
    await until(
        lambda: pane.detail is not None and pane.detail.exception.type.replace("_", " ") == type_label
    )
    await pilot.pause()
    return pane


def buttons(pane: ExceptionDetailPane) -> list[str]:
    return [b.id or "" for b in pane.query(Button)]


async def exception_events(live: LiveDaemon, exception_id: int) -> list[tuple[str, str | None, str | None]]:
    assert live.daemon is not None
    async with live.daemon.wiring.store.unit_of_work() as uow:
        return [(e.action, e.actor, e.note) for e in await uow.exceptions.events(exception_id)]
