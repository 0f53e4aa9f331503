"""The aiohttp application and its serving task for the daemon's root task group."""

from __future__ import annotations

import anyio
from aiohttp import web
from anyio.abc import TaskStatus

from backflow.app.core.startup_errors import ExitCode, StartupError
from backflow.app.entrypoints.http import admin_exceptions, admin_queues, admin_returns, health, metrics
from backflow.app.entrypoints.http.deps import DEPS, Handler, HttpDeps
from backflow.app.entrypoints.http.intake import PushIntake, nudging
from backflow.app.entrypoints.http.middleware import admin_guard, error_middleware, tracing_middleware
from backflow.app.entrypoints.http.openapi import openapi
from backflow.app.entrypoints.http.rebound_intake import (
    PUSH_PATH,
    TRACKING_PATH,
    ReboundPushIntake,
    TrackingIntake,
)
from backflow.app.runtime.daemon import HttpServe

CLEANUP_SECONDS = 5.0


def create_app(
    deps: HttpDeps,
    *,
    webhook: Handler,
    push: PushIntake,
    tracking: TrackingIntake | None = None,
    rebound_push: ReboundPushIntake | None = None,
) -> web.Application:
    """`webhook` is the ReBound adapter's handler; `push` parses with the commercetools adapter's parser;
    `tracking` and `rebound_push` take ReBound's published tracking updates (by HTTP and Pub/Sub)."""
    app = web.Application(
        middlewares=[
            tracing_middleware(deps.store.tracer),
            error_middleware,
            admin_guard(deps.admin_token),
        ],
        client_max_size=1024 * 1024,
    )
    app[DEPS] = deps
    app.router.add_post("/webhooks/rebound", nudging(webhook, deps.runtime.wakeups.inbox))
    app.router.add_post("/events/commercetools", push.handle)
    if tracking is not None:
        app.router.add_post(TRACKING_PATH, tracking.handle)
    if rebound_push is not None:
        app.router.add_post(PUSH_PATH, rebound_push.handle)
    app.router.add_get("/api/openapi.json", openapi)
    for table in (
        health.routes,
        metrics.routes,
        admin_queues.routes,
        admin_exceptions.routes,
        admin_returns.routes,
    ):
        app.router.add_routes(table)
    return app


def http_service(app: web.Application, host: str, port: int) -> HttpServe:
    """A task for `Runtime.run(http=...)`: binds, reports the bound port, serves until cancelled."""

    async def serve(*, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED) -> None:
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except OSError as exc:  # the port is taken, or the host is not an address of this machine
                raise StartupError(
                    ExitCode.LISTEN,
                    "BACKFLOW_HTTP_HOST/BACKFLOW_HTTP_PORT",
                    f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                ) from exc
            task_status.started(int(runner.addresses[0][1]))
            await anyio.sleep_forever()
        finally:
            with anyio.move_on_after(CLEANUP_SECONDS, shield=True):
                await runner.cleanup()

    return serve
