"""What the HTTP routes need, put on the aiohttp application under typed keys."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from app.api_health import ApiHealth
from app.daemon import Runtime
from app.flows.context import FlowContext
from app.http.intake_audit import IntakeAudit
from ports.admin import AdminStore
from ports.shadow import ShadowLog
from ports.timeline import TimelineReader

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class HttpDeps:
    ctx: FlowContext
    runtime: Runtime
    admin: AdminStore
    api_health: ApiHealth
    shadow_log: ShadowLog
    timeline: TimelineReader | None
    """None until the timeline store exists; `/api/returns/{id}` then says `timeline_available: false`."""
    intake: IntakeAudit
    """The intake endpoints' refusals and event-id conflicts, for the overview."""


DEPS = web.AppKey("deps", HttpDeps)


def deps(request: web.Request) -> HttpDeps:
    return request.app[DEPS]


def actor_of(request: web.Request) -> str:
    """Who acts, for the audit trail: `X-Backflow-Actor` (trimmed, bounded) or `admin`."""
    name = request.headers.get("X-Backflow-Actor", "").strip()
    return name[:100] if name and name.isprintable() else "admin"
