"""A live sparkline with its current value: throughput, oldest-due age, backlog."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline


class Trend(Vertical):
    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="trend")
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(self.title, classes="trend-label")
        yield Sparkline([0.0], summary_function=max)

    def show(self, samples: Sequence[float], current: str) -> None:
        self.query_one(Label).update(f"{self.title}: [b]{current}[/]")
        spark = self.query_one(Sparkline)
        values = list(samples) or [0.0]
        if values != spark.data:
            spark.data = values
