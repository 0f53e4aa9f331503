"""What a capability package declares for the runtime: its handlers, its jobs, the actors of its kinds.

Each capability package that runs something names, in its `__init__`, the handlers it owns (by outbox
kind and by inbox source), the jobs it schedules and the actors that run its kinds;
`app.runtime.registry` only collects these declarations. A job names the `[schedule]` setting that
holds its interval, so the interval stays configurable and is read once, when the registry is built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from backflow.app.core.context import ActorSpec, InboxHandler, OutboxHandler, ScheduledJob


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
