"""What a capability package declares for the runtime: its handlers, its jobs, the actors of its kinds.

Each capability package that runs something names, in its `__init__`, the handlers it owns (by outbox
kind and by inbox source), the jobs it schedules and the actors that run its kinds;
`app.runtime.registry` only collects these declarations. A job names the `[schedule]` setting that
holds its interval, so the interval stays configurable and is read once, when the registry is built.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol


class RowCompleted(Enum):
    """What a handler returns when its own unit of work completed its row (`uow.outbox.complete`)."""

    ROW_COMPLETED = "row completed"


ROW_COMPLETED = RowCompleted.ROW_COMPLETED

OutboxHandler = Callable[..., Awaitable[RowCompleted | None]]
"""Runs one claimed outbox row. Returning completes the row (`ROW_COMPLETED`: the handler's last
commit did, a write saved on a busy path); raising fails this attempt (retried with backoff, dead
after the configured attempts). Operational problems are raised as exceptions (the
`ExceptionRepository`) inside the handler's own unit of work, not as Python errors."""


class EventProcessed(Enum):
    """What an inbox handler returns when its own unit of work marked the event processed
    (`uow.inbox.processed`)."""

    EVENT_PROCESSED = "event processed"


EVENT_PROCESSED = EventProcessed.EVENT_PROCESSED

InboxHandler = Callable[..., Awaitable[EventProcessed | None]]
"""Processes one stored inbound event; returning marks it processed (`EVENT_PROCESSED`: the handler's
last commit did), raising counts a failed attempt."""

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
    critical: bool = False
    """Claimed by a relay loop of its own, so its rows never wait behind the other actors' claims."""


@dataclass(frozen=True)
class JobDecl:
    """A scheduled job as its package declares it; the registry turns it into a `JobSpec`."""

    name: str
    schedule_field: str
    """The field of `Schedule` (`[schedule]` in the TOML) holding the seconds between runs."""
    job: ScheduledJob


class Capability(Protocol):
    """A capability package as the registry reads it (a module satisfies this by its four names)."""

    @property
    def OUTBOX_HANDLERS(self) -> Mapping[str, OutboxHandler]: ...

    @property
    def INBOX_HANDLERS(self) -> Mapping[str, InboxHandler]: ...

    @property
    def JOBS(self) -> Sequence[JobDecl]: ...

    @property
    def ACTORS(self) -> Sequence[ActorSpec]: ...


@dataclass(frozen=True)
class JobSpec:
    """A job as the runtime runs it: its interval read from the settings."""

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
