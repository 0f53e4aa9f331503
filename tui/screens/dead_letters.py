"""Dead letters: outbox rows that ran out of attempts — their payload, error and history; requeue."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from backflow.app.entrypoints.http.views import DeadLetterDetail
from backflow.tui.client import ApiError, Unreachable
from backflow.tui.format import pretty_json, short, stamp
from backflow.tui.messages import Notice
from backflow.tui.screens.form_modal import FormModal
from backflow.tui.widgets.status_bar import StatusBar


class DeadLettersScreen(Screen[None]):
    BINDINGS = [
        Binding("r", "reload", "Refresh"),
        Binding("e", "requeue", "Requeue"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.detail: DeadLetterDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        with Horizontal(id="dead-body", classes="split"):
            table: DataTable[str | Text] = DataTable(id="dead-table", cursor_type="row", zebra_stripes=True)
            table.border_title = "Dead letters"
            yield table
            with VerticalScroll(id="dead-detail", classes="panel detail"):
                yield Static("Enter on a row shows its payload, error and history.", id="dead-info")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("kind", "tries", "error", "id")
        self.query_one(DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.detail is not None if action == "requeue" else True

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="dead-list", exit_on_error=False)
    async def load(self) -> None:
        try:
            listed = await self.app.client.dead_letters()  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Could not load dead letters: {exc}", error=True))
            return
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.clear()
        for row in listed.items:
            table.add_row(
                row.kind, str(row.attempts), Text(short(row.last_error, 40)), row.id[-12:], key=row.id
            )
        table.border_title = f"Dead letters ({len(listed.items)})"

    @on(DataTable.RowSelected, "#dead-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.open(event.row_key.value)

    @work(exclusive=True, group="dead-detail", exit_on_error=False)
    async def open(self, outbox_id: str) -> None:
        try:
            detail = await self.app.client.dead_letter(outbox_id)  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Could not open {outbox_id}: {exc}", error=True))
            return
        self.show(detail)

    def show(self, detail: DeadLetterDetail | None) -> None:
        self.detail = detail
        self.refresh_bindings()
        info = self.query_one("#dead-info", Static)
        if detail is None:
            info.update("Enter on a row shows its payload, error and history.")
            return
        row = detail.row
        facts = Table.grid(padding=(0, 1))
        facts.add_column(style="bold")
        facts.add_column()
        facts.add_row("id", row.id)
        facts.add_row("kind", f"{row.kind}   {row.status} after {row.attempts} attempts")
        facts.add_row("key", Text(row.idempotency_key))
        facts.add_row("error", Text(row.last_error or "—", style="red"))
        history = Table(
            "when", "from", "to", "who", "detail", title="History", title_justify="left", expand=True
        )
        for e in detail.history:
            history.add_row(
                stamp(e.at), e.from_status or "—", e.to_status, e.actor or "—", Text(short(e.detail, 50))
            )
        info.update(Group(facts, Text("payload", style="bold"), Text(pretty_json(row.payload)), history))

    def action_requeue(self) -> None:
        if self.detail is None:
            return
        row = self.detail.row
        money = "refund" in row.kind.lower()
        prompt = f"Put {row.kind} {row.id} back in its queue (attempts start again)."

        def answered(values: dict[str, str] | None) -> None:
            if values is not None:
                self.requeue(row.id)

        self.app.push_screen(
            FormModal(f"Requeue {row.kind}", prompt, [], confirm="Requeue", money=money), answered
        )

    @work(exclusive=True, group="dead-requeue", exit_on_error=False)
    async def requeue(self, outbox_id: str) -> None:
        try:
            result = await self.app.client.requeue(outbox_id)  # type: ignore[attr-defined]
        except (Unreachable, ApiError) as exc:
            self.post_message(Notice(f"Requeue failed: {exc}", error=True))
            return
        self.post_message(Notice(f"Requeued {outbox_id}: now {result.row.status}"))
        self.show(None)
        self.load()
