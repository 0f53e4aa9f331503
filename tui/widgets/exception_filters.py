"""The exceptions screen's filter row: owner, type, state, age, order. Any change posts `Changed`."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Select

from backflow.tui.client import ExceptionFilters
from backflow.tui.format import label

OWNERS = ("finance", "cx", "operations", "merchandising")
TYPES = (
    "orphan_return",
    "return_order_mismatch",
    "order_sync_failing",
    "order_sync_lagging",
    "refund_mismatch",
    "refund_failed",
    "received_not_refunded",
    "missing_payment",
    "restock_failed",
    "stock_drift",
    "unmapped_reason_code",
    "unknown_status",
    "unknown_disposition",
    "dead_letter",
)
# Short labels: five of them share one line at 80 columns.
STATES = (
    ("active", ""),
    ("open", "open"),
    ("acked", "acknowledged"),
    ("resolved", "resolved"),
    ("all", "any"),
)
AGES: dict[str, tuple[float | None, float | None]] = {
    "any age": (None, None),
    "age <1h": (None, 3600.0),
    "age >1h": (3600.0, None),
    "age >1d": (86400.0, None),
}
ORDERS = (("newest", "newest"), ("oldest", "oldest"))


class FilterBar(Horizontal):
    @dataclass
    class Changed(Message):
        filters: ExceptionFilters

    def compose(self) -> ComposeResult:
        yield Select([(o, o) for o in OWNERS], prompt="owner", id="filter-owner")
        yield Select([(label(t), t) for t in TYPES], prompt="type", id="filter-type")
        yield Select(STATES, value="", allow_blank=False, id="filter-state")
        yield Select([(a, a) for a in AGES], value="any age", allow_blank=False, id="filter-age")
        yield Select(ORDERS, value="newest", allow_blank=False, id="filter-order")

    def filters(self) -> ExceptionFilters:
        def value(name: str) -> str | None:
            chosen = self.query_one(f"#filter-{name}", Select).value
            return chosen if isinstance(chosen, str) and chosen else None

        low, high = AGES[value("age") or "any age"]
        return ExceptionFilters(
            owner=value("owner"),
            type=value("type"),
            state=value("state"),
            min_age_seconds=low,
            max_age_seconds=high,
            order=value("order") or "newest",
        )

    def set_owner(self, owner: str) -> None:
        self.query_one("#filter-owner", Select).value = owner

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self.filters()))
