"""One line under the header: is the daemon there, and if not, when the TUI tries again."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from backflow.tui.format import short
from backflow.tui.messages import Link


class StatusBar(Static):
    def on_mount(self) -> None:
        # Every screen has one; they all follow the app's link state.
        self.watch(self.app, "link", self.show, init=True)

    def show(self, link: Link) -> None:
        url = self.app.config.url  # type: ignore[attr-defined]
        self.set_classes(f"-{link.status}")
        if link.status == "connected":
            text = Text.assemble(("● ", "bold green"), f"connected to {url}")
        elif link.status == "connecting":
            text = Text.assemble(("… ", "bold"), f"connecting to {url}")
        else:
            what = "daemon unreachable" if link.status == "unreachable" else "daemon refused the TUI"
            retry = f" — retrying in {link.retry_in:.0f}s" if link.retry_in is not None else ""
            text = Text.assemble(
                ("✗ ", "bold red"), (what, "bold"), f" at {url}{retry}: ", short(link.detail, 80)
            )
        self.update(text)
