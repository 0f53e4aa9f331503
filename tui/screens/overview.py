"""Overview: queues, live trends, order-sync lag, API health, actors, liability, exceptions by owner."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header

from backflow.app.entrypoints.http.views import ApiView, Overview
from backflow.tui.format import ago, duration, money, short
from backflow.tui.widgets.facts import Facts, Row
from backflow.tui.widgets.queue_table import QueueTable
from backflow.tui.widgets.status_bar import StatusBar
from backflow.tui.widgets.trend import Trend

OWNERS = ("finance", "cx", "operations", "merchandising")


class OverviewScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusBar(id="status")
        with Grid(id="overview-grid"):
            with Vertical(id="overview-left"):
                yield QueueTable(id="queues")
                yield Trend("completed/min", id="trend-throughput")
                yield Trend("oldest due", id="trend-oldest")
                yield Trend("backlog", id="trend-backlog")
            with Vertical(id="overview-right"):
                yield Facts("APIs", id="apis")
                yield Facts("Order sync", id="order-sync")
                yield Facts("Exceptions by owner", id="exceptions-by-owner")
                yield Facts("Pending-credit liability", id="liability")
                yield Facts("Actors", id="actors")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "overview", self.show, init=True)

    def show(self, overview: Overview | None) -> None:
        if overview is None:
            return
        now = self.app.clock()  # type: ignore[attr-defined]
        history = self.app.history  # type: ignore[attr-defined]
        self.query_one(QueueTable).show(overview.queues)
        self.query_one("#trend-throughput", Trend).show(
            history.throughput, str(overview.throughput.completed)
        )
        self.query_one("#trend-oldest", Trend).show(
            history.oldest_due, duration(overview.oldest_due_age_seconds)
        )
        self.query_one("#trend-backlog", Trend).show(history.backlog, f"{history.backlog[-1]:.0f}")
        self.query_one("#apis", Facts).show([_api_row(api, now) for api in overview.apis])
        sync = overview.order_sync
        self.query_one("#order-sync", Facts).show(
            [
                ("lag p50", duration(sync.lag_p50_seconds)),
                ("lag p95", f"{duration(sync.lag_p95_seconds)} (max {duration(sync.lag_max_seconds)})"),
                ("orders", f"{sync.synced} synced, {sync.pending} pending, {sync.failing} failing"),
                *_resync_rows(sync.resyncs_skipped),
                ("last synced", ago(sync.last_synced_at, now)),
                ("inbox", f"{overview.inbox.pending} pending, {overview.inbox.quarantined} quarantined"),
                *_intake_rows(overview),
            ]
        )
        self.query_one("#exceptions-by-owner", Facts).show(_by_owner(overview))
        self.query_one("#liability", Facts).show(
            [(c.currency, money(c.amount_minor, c.currency)) for c in overview.pending_credit],
            empty="nothing pending",
        )
        self.query_one("#actors", Facts).show(
            _instance_rows(overview)
            + [
                (
                    a.name,
                    Text.assemble(
                        (a.state, "green" if a.state == "running" else "bold red"),
                        f" restarts {a.restarts}" if a.restarts else "",
                        f" mailbox {a.mailbox_depth}/{a.mailbox_capacity}" if a.mailbox_capacity else "",
                    ),
                )
                for a in overview.actors
            ]
        )


def _api_row(api: ApiView, now: datetime) -> Row:
    mark = ("● ready", "green") if api.ready else ("✗ not ready", "bold red")
    errors = f"{api.recent_errors} recent errors" if api.recent_errors else "no recent errors"
    value = Text.assemble(mark, f" · ok {ago(api.last_success_at, now)}\n{errors}")
    if api.recent_errors and api.last_error:
        value.append(f"\n{short(api.last_error, 60)}", style="dim")
    return (api.name, value)


def _instance_rows(overview: Overview) -> list[Row]:
    """A standby (or an instance that lost its lease) says so above its actors; an active one is quiet."""
    instance = overview.instance
    if instance is None or instance.reason is None or instance.role in ("active", "shared"):
        return []
    return [(instance.role, Text(instance.reason, style="bold yellow"))]


def _resync_rows(skipped: int) -> list[Row]:
    """Newer versions not sent (ReBound had the same sales order), only when there are any."""
    return [("re-syncs", f"{skipped} skipped, unchanged")] if skipped else []


def _intake_rows(overview: Overview) -> list[Row]:
    """Refused requests by reason and event-id conflicts, only when there are any."""
    intake = overview.intake
    rows: list[Row] = []
    if intake.refused:
        total = sum(r.count for r in intake.refused)
        reasons = ", ".join(f"{r.reason} {r.count}" for r in sorted(intake.refused, key=lambda r: -r.count))
        rows.append(("refused", Text(f"{total} ({reasons})", style="yellow")))
    if intake.conflicts:
        rows.append(
            ("conflicts", Text(f"{intake.conflicts} event ids with a different body", style="yellow"))
        )
    return rows


def _by_owner(overview: Overview) -> list[Row]:
    totals: Counter[str] = Counter()
    opened: Counter[str] = Counter()
    for c in overview.exceptions:
        totals[c.owner] += c.count
        if c.state == "open":
            opened[c.owner] += c.count
    owners = [*OWNERS, *sorted(set(totals) - set(OWNERS))]
    return [
        (
            owner,
            Text(
                f"{totals[owner]} unresolved ({opened[owner]} open)", style="bold" if totals[owner] else "dim"
            ),
        )
        for owner in owners
    ]
