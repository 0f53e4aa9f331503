"""`/healthz` (the process answers) and `/readyz` (it can do its work: database, actors, APIs)."""

from __future__ import annotations

import anyio
import msgspec
from aiohttp import web

from backflow.app.entrypoints.http.deps import deps
from backflow.app.entrypoints.http.responses import json_response

routes = web.RouteTableDef()
PROBE_TIMEOUT = 5.0


class Health(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True):
    ready: bool
    reasons: list[str]


@routes.get("/healthz")
async def healthz(_: web.Request) -> web.Response:
    return json_response(Health("ok"))


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    d = deps(request)
    reasons: list[str] = []
    if d.runtime.lifecycle.is_stopping:
        reasons.append("stopping")
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
    now, window = d.store.clock.now(), d.api_ready_window_seconds
    for status in d.api_health.apis.values():
        ok, reason = status.ready(now, window)
        if not ok and reason:
            reasons.append(reason)
    return json_response(Readiness(not reasons, reasons), status=200 if not reasons else 503)
