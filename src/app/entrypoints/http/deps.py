"""What the HTTP routes need, put on the aiohttp application under typed keys.

The HTTP layer's own narrow dependencies: what the admin API, health and intake read, and what
finance's decision writes through. Built once by the composition root (`app.bootstrap.http_deps`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import RefundPolicy
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.runtime.api_health import ApiHealth
from backflow.app.runtime.daemon import Runtime
from backflow.ports.admin import AdminStore
from backflow.ports.commerce import CommercePort
from backflow.ports.monitor import StoreMonitor
from backflow.ports.outbox import Outbox
from backflow.ports.shadow import ShadowLog
from backflow.ports.timeline import TimelineReader

if TYPE_CHECKING:  # the route module imports this one
    from backflow.app.entrypoints.http.metrics import MetricsPage

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class HttpDeps:
    store: StoreDeps
    """Units of work, the clock and the tracer: the admin reads and the operator's actions."""
    outbox: Outbox
    """Dead letters: a row's history and its requeue."""
    monitor: StoreMonitor
    commerce: CommercePort
    """Re-anchoring an orphan return reads the order it is anchored to."""
    refund_policy: RefundPolicy
    """Finance's decision of a refund mismatch checks the approve-ReBound limit in force."""
    admin_token: str | None
    api_ready_window_seconds: float
    shadow: bool
    runtime: Runtime
    admin: AdminStore
    api_health: ApiHealth
    shadow_log: ShadowLog
    timeline: TimelineReader | None
    """None until the timeline store exists; `/api/returns/{id}` then says `timeline_available: false`."""
    intake: IntakeAudit
    """The intake endpoints' refusals and event-id conflicts, for the overview."""
    metrics: MetricsPage | None = None
    """What `GET /metrics` renders; None where no meter provider was built (it answers 404)."""


DEPS = web.AppKey("deps", HttpDeps)


def deps(request: web.Request) -> HttpDeps:
    return request.app[DEPS]


def actor_of(request: web.Request) -> str:
    """Who acts, for the audit trail: `X-Backflow-Actor` (trimmed, bounded) or `admin`."""
    name = request.headers.get("X-Backflow-Actor", "").strip()
    return name[:100] if name and name.isprintable() else "admin"
