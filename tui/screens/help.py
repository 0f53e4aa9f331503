"""Help: every binding, per screen, generated from the BINDINGS themselves so it cannot drift."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

INTRO = (
    "Backflow's operator console. It talks only to the daemon's admin API. Keyboard first: "
    "Tab moves between fields and tables, Enter opens the highlighted row, Escape closes dialogs."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        from backflow.tui.screens.dead_letters import DeadLettersScreen
        from backflow.tui.screens.exceptions import ExceptionsScreen
        from backflow.tui.screens.returns import ReturnsScreen

        with VerticalScroll(id="help"):
            yield Label("Help — Escape closes", id="help-title")
            yield Static(INTRO)
            yield Static(_table("Everywhere", type(self.app).BINDINGS))
            for name, screen in (
                ("Exceptions", ExceptionsScreen),
                ("Returns", ReturnsScreen),
                ("Dead letters", DeadLettersScreen),
            ):
                yield Static(_table(name, screen.BINDINGS))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def _table(title: str, bindings: list[BindingType]) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_header=False, box=None)
    table.add_column(style="bold", width=14)
    table.add_column()
    for binding in bindings:
        if isinstance(binding, Binding):
            keys = binding.key_display or binding.key.replace(",", " / ")
            table.add_row(keys, binding.description or binding.action)
    return table
