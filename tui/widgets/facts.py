"""A titled panel of label/value rows that redraws only when its rows change (no flicker at 1 Hz)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

Row = tuple[str, str | Text]


class Facts(Static):
    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel")
        self.border_title = title
        self._rows: list[Row] | None = None

    def show(self, rows: list[Row], *, empty: str = "none") -> None:
        if rows == self._rows:
            return
        self._rows = rows
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for name, value in rows or [("", Text(empty, style="dim"))]:
            table.add_row(name, value)
        self.update(table)
