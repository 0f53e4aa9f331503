"""Everything a flow handler may use, built once by the composition root.

Handlers are plain async functions `handler(row_or_event, ctx)`; they reach the outside world only
through these ports, so tests run them against a real SQLite store and the simulators, and shadow
mode swaps the writing ports without the handlers knowing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from opentelemetry.trace import Tracer

from backflow.app.core.settings import Settings
from backflow.ports.alerts import AlertSender
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.commerce import CommercePort
from backflow.ports.inbox import Inbox
from backflow.ports.monitor import StoreMonitor
from backflow.ports.outbox import Outbox
from backflow.ports.reports import ReportSource
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.timeline import TimelineReader
from backflow.ports.tracking import TrackingMapper
from backflow.ports.unit_of_work import UnitOfWorkFactory
from backflow.ports.watermarks import Watermarks


@dataclass(frozen=True)
class FlowContext:
    settings: Settings
    unit_of_work: UnitOfWorkFactory
    inbox: Inbox
    outbox: Outbox
    monitor: StoreMonitor
    commerce: CommercePort
    platform: ReturnsPlatformPort
    clock: Clock
    ids: IdGenerator
    tracer: Tracer
    watermarks: Watermarks
    timeline: TimelineReader
    reports: ReportSource | None = None
    """The ledgers read-only: the drift monitors ask for `reports` by name, and binding them where it is
    None stops the daemon before it starts."""
    alerts: AlertSender | None = None
    """Where alerts go; None when no webhook is configured."""
    tracking: TrackingMapper | None = None
    """ReBound's published tracking updates read through the configured status table; binding the
    tracking-update handler where it is None stops the daemon before it starts."""

    @property
    def owners(self) -> Settings:
        """Who owns an exception type (makes a context a `Recorder` while flows move to StoreDeps)."""
        return self.settings


OutboxHandler = Callable[..., Awaitable[None]]
"""Runs one claimed outbox row. Returning completes the row; raising fails this attempt (retried with
backoff, dead after the configured attempts). Operational problems are raised as exceptions (the
`ExceptionRepository`) inside the handler's own unit of work, not as Python errors."""

InboxHandler = Callable[..., Awaitable[None]]
"""Processes one stored inbound event; returning marks it processed, raising counts a failed attempt."""

ScheduledJob = Callable[..., Awaitable[None]]
"""A periodic job (catch-up sweeps, horizon checks, monitors); raising is logged and retried next run."""


@dataclass(frozen=True)
class ActorSpec:
    """One actor: the outbox kinds it runs and how many rows it works on at once."""

    name: str
    kinds: tuple[str, ...]
    concurrency: int = 4
    aliases: tuple[str, ...] = ()
    """Former names still accepted in the `[actors]` table (documented in the README)."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    interval_seconds: float
    job: ScheduledJob


@dataclass(frozen=True)
class FlowRegistry:
    """What the runtime runs: handlers by outbox kind and by inbox source, the actors, the jobs."""

    outbox_handlers: Mapping[str, OutboxHandler]
    actors: Sequence[ActorSpec]
    inbox_handlers: Mapping[str, InboxHandler]
    jobs: Sequence[JobSpec]
