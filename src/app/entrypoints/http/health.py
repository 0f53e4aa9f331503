"""`/healthz` (the process answers: liveness) and `/readyz` (send it traffic: intake works).

`/readyz` is ready when the database takes a write (so intake stores webhooks durably), the actors
run, the daemon is not stopping, and (SQLite) this instance holds the lease rather than standing by.
An upstream API that fails never makes it unready: the orchestrator must keep routing ReBound's
webhooks and commercetools' pushes here during an outage, when storing them matters most. Upstream
health is reported instead, in `/healthz`'s detail and the admin overview. `/healthz` reads only
memory, so a probe stays cheap however busy the database is.
"""

from __future__ import annotations

from datetime import datetime

import anyio
import msgspec
from aiohttp import web

from backflow.app.entrypoints.http.deps import HttpDeps, deps
from backflow.app.entrypoints.http.responses import json_response
from backflow.app.entrypoints.http.views import InstanceView

routes = web.RouteTableDef()
PROBE_TIMEOUT = 5.0


class UpstreamHealth(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    ok: bool
    detail: str | None
    last_success_at: datetime | None


class Health(msgspec.Struct, frozen=True, kw_only=True):
    status: str
    instance: InstanceView
    upstream: list[UpstreamHealth]
    """Reported only: an API being down never makes `/readyz` fail."""


class Readiness(msgspec.Struct, frozen=True):
    ready: bool
    reasons: list[str]


def instance_view(d: HttpDeps) -> InstanceView:
    status = d.runtime.instance.status
    return InstanceView(
        instance=status.instance,
        role=status.role.value,
        holder=status.holder,
        lease_until=status.until,
        term=status.term,
        reason=status.not_ready_reason(),
    )


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    d = deps(request)
    now, window = d.store.clock.now(), d.api_ready_window_seconds
    upstream = []
    for api in sorted(d.api_health.apis.values(), key=lambda a: a.name):
        ok, reason = api.ready(now, window)
        seen = UpstreamHealth(name=api.name, ok=ok, detail=reason, last_success_at=api.last_success_at)
        upstream.append(seen)
    return json_response(Health(status="ok", instance=instance_view(d), upstream=upstream))


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    d = deps(request)
    reasons: list[str] = []
    if d.runtime.lifecycle.is_stopping:
        reasons.append("stopping")
    if standby := d.runtime.instance.status.not_ready_reason():
        reasons.append(standby)
    try:
        with anyio.fail_after(PROBE_TIMEOUT):
            await d.admin.probe_write()
    except Exception as exc:
        reasons.append(f"database not writable: {type(exc).__name__}: {exc}"[:300])
    for name, actor in sorted(d.runtime.health.actors.items()):
        if actor.state != "running":
            detail = (
                f" (restarts: {actor.restarts}, last error: {actor.last_error})" if actor.restarts else ""
            )
            reasons.append(f"actor {name} is {actor.state}{detail}")
    return json_response(Readiness(not reasons, reasons), status=200 if not reasons else 503)
