"""Reading what a screen shows, as plain text, for assertions."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widget import Widget
from textual.widgets import DataTable, Static


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
