"""Each flow's outbox queue: due, scheduled, retrying, leased, dead."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from backflow.ports.admin import QueueCounts

COLUMNS = ("flow", "due", "sched", "retry", "lease", "dead")


class QueueTable(DataTable[str | Text]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", zebra_stripes=True, classes="panel")
        self.border_title = "Queues"
        self._shown: list[QueueCounts] | None = None

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, queues: list[QueueCounts]) -> None:
        if queues == self._shown:
            return
        self._shown = queues
        self.clear()
        for q in queues:
            dead = Text(str(q.dead), style="bold red" if q.dead else "")
            self.add_row(
                q.kind, str(q.due), str(q.scheduled), str(q.retrying), str(q.leased), dead, key=q.kind
            )
        if not queues:
            self.add_row("(empty)", "0", "0", "0", "0", "0")
