"""The operator TUI: one app, four screens (modes), a poller that survives the daemon going away."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from backflow.app.entrypoints.http.views import Overview
from backflow.tui.client import AdminClient, ApiError, Unreachable
from backflow.tui.config import ClientConfig
from backflow.tui.history import Backoff, OverviewHistory
from backflow.tui.messages import Link, LinkChanged, Notice, OverviewFetched
from backflow.tui.screens.dead_letters import DeadLettersScreen
from backflow.tui.screens.exceptions import ExceptionsScreen
from backflow.tui.screens.help import HelpScreen
from backflow.tui.screens.overview import OverviewScreen
from backflow.tui.screens.returns import ReturnsScreen

Clock = Callable[[], datetime]
DARK, LIGHT = "textual-dark", "textual-light"


class BackflowApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Backflow"
    ENABLE_COMMAND_PALETTE = False
    MODES = {
        "overview": OverviewScreen,
        "exceptions": ExceptionsScreen,
        "returns": ReturnsScreen,
        "dead": DeadLettersScreen,
    }
    DEFAULT_MODE = "overview"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("1", "switch_mode('overview')", "Overview"),
        Binding("2", "switch_mode('exceptions')", "Exceptions"),
        Binding("3", "switch_mode('returns')", "Returns"),
        Binding("4", "switch_mode('dead')", "Dead"),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("q", "quit", "Quit"),
    ]

    link: reactive[Link] = reactive(Link("connecting"), init=False)
    overview: reactive[Overview | None] = reactive(None, init=False)

    def __init__(
        self,
        config: ClientConfig,
        *,
        clock: Clock | None = None,
        poll_seconds: float = 1.0,
        backoff: Backoff | None = None,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.client = AdminClient(config)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.history = OverviewHistory()
        self.poll_seconds = poll_seconds
        self.backoff = backoff or Backoff()
        self.live = live
        """False freezes the overview after its first answer (snapshots draw one fixed moment)."""
        self._next_attempt = 0.0
        self.sub_title = config.url

    def on_mount(self) -> None:
        self.theme = DARK
        self.poll()
        if self.live:
            self.set_interval(self.poll_seconds, self.poll)

    async def on_unmount(self) -> None:
        await self.client.close()

    def poll(self) -> None:
        """Every tick: fetch the overview, unless backing off or the last fetch is still running."""
        if time.monotonic() < self._next_attempt:
            return
        if any(w.group == "overview" and w.is_running for w in self.workers):
            return
        self.fetch_overview()

    @work(exclusive=True, group="overview", exit_on_error=False)
    async def fetch_overview(self) -> None:
        try:
            overview = await self.client.overview()
        except Unreachable as exc:
            self.post_message(LinkChanged(self._failed("unreachable", str(exc))))
        except ApiError as exc:
            self.post_message(LinkChanged(self._failed("refused", exc.message)))
        else:
            self.post_message(OverviewFetched(overview))

    def _failed(self, status: str, detail: str) -> Link:
        wait = self.backoff.fail()
        self._next_attempt = time.monotonic() + wait
        return Link("unreachable" if status == "unreachable" else "refused", detail, retry_in=wait)

    @on(OverviewFetched)
    def _overview_fetched(self, message: OverviewFetched) -> None:
        self.backoff.reset()
        self._next_attempt = 0.0
        self.history.add(message.overview)
        if self.link.status != "connected":
            self.link = Link("connected")
        self.overview = message.overview

    @on(LinkChanged)
    def _link_changed(self, message: LinkChanged) -> None:
        self.link = message.link

    @on(Notice)
    def _notice(self, message: Notice) -> None:
        self.notify(message.text, severity="error" if message.error else "information", timeout=6)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK


def make_app(
    config: ClientConfig,
    *,
    clock: Clock | None = None,
    poll_seconds: float = 1.0,
    backoff: Backoff | None = None,
    live: bool = True,
) -> BackflowApp:
    """The one way to build the TUI: the CLI and the tests both call this."""
    return BackflowApp(config, clock=clock, poll_seconds=poll_seconds, backoff=backoff, live=live)
