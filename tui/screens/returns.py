"""Returns: search by return id, order number or SKU; the timeline, both systems' states, the ledgers."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static, TabbedContent, TabPane

from backflow.tui.client import ApiError, Unreachable
from backflow.tui.format import stamp
from backflow.tui.messages import Notice
from backflow.tui.widgets.ledger import render_ledger
from backflow.tui.widgets.return_states import render_states
from backflow.tui.widgets.status_bar import StatusBar
from backflow.tui.widgets.timeline import render_timeline


class ReturnsScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("r", "reload", "Refresh"),
        Binding("escape", "focus_results", "Results", show=False),
        Binding("l", "tab('timeline')", "Timeline", show=False),
        Binding("s", "tab('states')", "States", show=False),
        Binding("g", "tab('ledger')", "Ledger", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.return_id: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        with Horizontal(id="returns-body", classes="split"):
            with Vertical(id="returns-left"):
                yield Input(placeholder="return id, order number or SKU — Enter", id="return-search")
                table: DataTable[str | Text] = DataTable(id="return-table", cursor_type="row")
                table.border_title = "Returns"
                yield table
            with TabbedContent(id="return-tabs", classes="detail"):
                with TabPane("Timeline [l]", id="timeline"), VerticalScroll():
                    yield Static("Search, then Enter on a return.", id="return-timeline")
                with TabPane("States [s]", id="states"), VerticalScroll():
                    yield Static("", id="return-states")
                with TabPane("Ledger [g]", id="ledger"), VerticalScroll():
                    yield Static("", id="return-ledger")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("return", "order", "state", "updated")
        # The table holds focus so the screen keys work; `/` types a search, Escape comes back.
        self.query_one(DataTable).focus()

    def action_focus_results(self) -> None:
        self.query_one(DataTable).focus()

    def action_focus_search(self) -> None:
        self.query_one(Input).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_reload(self) -> None:
        if self.return_id is not None:
            self.open(self.return_id)

    @on(Input.Submitted, "#return-search")
    def _search(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    @work(exclusive=True, group="return-search", exit_on_error=False)
    async def search(self, text: str) -> None:
        try:
            found = await self.app.client.search_returns(text)  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Search failed: {exc}", error=True))
            return
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.clear()
        for r in found.items:
            table.add_row(
                Text(r.return_id),
                Text(r.client_order_id or "—"),
                r.state,
                stamp(r.updated_at),
                key=r.return_id,
            )
        table.border_title = f"Returns matching {text!r} ({len(found.items)})"
        if found.items:
            table.focus()
            if len(found.items) == 1:
                self.open(found.items[0].return_id)
        else:
            self.post_message(Notice(f"No return matches {text!r}"))

    @on(DataTable.RowSelected, "#return-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open(event.row_key.value)

    @work(exclusive=True, group="return-detail", exit_on_error=False)
    async def open(self, return_id: str) -> None:
        try:
            detail = await self.app.client.return_detail(return_id)  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Could not open return {return_id}: {exc}", error=True))
            return
        self.return_id = return_id
        self.query_one(TabbedContent).border_title = f"Return {return_id} — {detail.case.state}"
        self.query_one("#return-timeline", Static).update(render_timeline(detail))
        self.query_one("#return-states", Static).update(render_states(detail))
        self.query_one("#return-ledger", Static).update(render_ledger(detail))
