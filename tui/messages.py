"""App-wide messages: workers post these; widgets and screens react. Widget-owned ones live beside them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from backflow.app.entrypoints.http.views import Overview

LinkStatus = Literal["connecting", "connected", "unreachable", "refused"]


@dataclass(frozen=True)
class Link:
    """The TUI's connection to the daemon, as the status bar shows it."""

    status: LinkStatus
    detail: str = ""
    retry_in: float | None = None


class OverviewFetched(Message):
    """A fresh overview. Ticks arrive faster than a slow screen may draw: only the newest matters."""

    def __init__(self, overview: Overview) -> None:
        super().__init__()
        self.overview = overview

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OverviewFetched)


class LinkChanged(Message):
    """The daemon could not be reached, refused us, or answered again."""

    def __init__(self, link: Link) -> None:
        super().__init__()
        self.link = link

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LinkChanged)


class Notice(Message):
    """An outcome for the operator (an action done, or why it failed)."""

    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__()
        self.text, self.error = text, error
