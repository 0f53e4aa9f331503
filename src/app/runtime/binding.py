"""Dependencies bound to handlers by parameter name, once, at start-up (cosmicpython's bootstrap).

A handler's leading positional parameters are what it runs on (the outbox row, the inbound event;
none for a job); every other parameter names a dependency. Binding reads the signature once and
returns a partial; a name nobody provides is a `ConfigError` before anything runs.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import flow_policies
from backflow.app.core.settings import ConfigError, Settings
from backflow.ports.alerts import AlertSender
from backflow.ports.commerce import CommercePort
from backflow.ports.inbox import Inbox
from backflow.ports.reports import ReportSource
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.timeline import TimelineReader
from backflow.ports.watermarks import Watermarks

Handler = Callable[..., Awaitable[None]]
T = TypeVar("T")


class Dependencies:
    """The named dependencies a flow may ask for (see `app.core.deps`)."""

    def __init__(self, provided: Mapping[str, object]) -> None:
        self.provided = dict(provided)

    def bind(self, handler: Callable[..., Awaitable[T]], *, leading: int) -> Callable[..., Awaitable[T]]:
        """The handler with every dependency it names filled in; `leading` positional args stay open."""
        target = handler.func if isinstance(handler, functools.partial) else handler
        params = list(inspect.signature(handler).parameters.values())[leading:]
        wanted = [p for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
        missing = [
            p.name for p in wanted if p.name not in self.provided and p.default is inspect.Parameter.empty
        ]
        if missing:
            known = ", ".join(sorted(self.provided))
            raise ConfigError(
                f"{target.__module__}.{target.__qualname__} asks for {', '.join(missing)}: "
                f"no such dependency (known: {known})"
            )
        return functools.partial(
            handler, **{p.name: self.provided[p.name] for p in wanted if p.name in self.provided}
        )

    async def run(self, job: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Bind and run once (one-off commands, use cases, tests); what the job returns."""
        return await self.bind(job, leading=len(args))(*args)


def bind_registry(registry: FlowRegistry, deps: Dependencies) -> FlowRegistry:
    """The registry with every handler and job bound: raises before start-up if a name is unknown."""
    return FlowRegistry(
        outbox_handlers={kind: deps.bind(h, leading=1) for kind, h in registry.outbox_handlers.items()},
        actors=registry.actors,
        inbox_handlers={source: deps.bind(h, leading=1) for source, h in registry.inbox_handlers.items()},
        jobs=tuple(replace(job, job=deps.bind(job.job, leading=0)) for job in registry.jobs),
    )


def flow_dependencies(
    *,
    settings: Settings,
    store: StoreDeps,
    commerce: CommercePort,
    platform: ReturnsPlatformPort,
    inbox: Inbox,
    watermarks: Watermarks,
    timeline: TimelineReader,
    reports: ReportSource | None,
    alerts: AlertSender | None,
    extra: Mapping[str, object] | None = None,
) -> Dependencies:
    """Everything a flow may name, built once by the composition root."""
    provided: dict[str, object] = {
        "store": store,
        "commerce": commerce,
        "platform": platform,
        "inbox": inbox,
        "watermarks": watermarks,
        "timeline": timeline,
        "alerts": alerts,
        **flow_policies(settings),
        **(extra or {}),
    }
    if reports is not None:
        provided["reports"] = reports
    return Dependencies(provided)
