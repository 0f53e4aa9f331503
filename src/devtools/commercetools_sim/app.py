"""The simulator application: `create_app(options)` for in-process use, `run_simulator` to serve it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from backflow.devtools.commercetools_sim.auth import TokenStore, auth_middleware, token_endpoint
from backflow.devtools.commercetools_sim.control import add_control_routes
from backflow.devtools.commercetools_sim.correlation import Correlations, correlation_middleware
from backflow.devtools.commercetools_sim.errors import CtError
from backflow.devtools.commercetools_sim.faults import fault_middleware
from backflow.devtools.commercetools_sim.keys import CORRELATIONS, PUSHER, STATE, TOKENS
from backflow.devtools.commercetools_sim.options import SimulatorOptions
from backflow.devtools.commercetools_sim.push import Pusher
from backflow.devtools.commercetools_sim.routes import add_routes
from backflow.devtools.commercetools_sim.state import SimState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except CtError as error:
        return error.response()


def create_app(options: SimulatorOptions | None = None) -> web.Application:
    options = options or SimulatorOptions()
    state = SimState(options)
    correlations = Correlations()
    app = web.Application(
        middlewares=[
            correlation_middleware(correlations),
            fault_middleware(lambda: state.options.faults, state.rng, state.count),
            error_middleware,
            auth_middleware(),
        ]
    )
    app[STATE] = state
    app[CORRELATIONS] = correlations
    app[TOKENS] = TokenStore()
    pusher = Pusher(state)
    app[PUSHER] = pusher

    async def start_pusher(_: web.Application) -> None:
        pusher.start()

    async def stop_pusher(_: web.Application) -> None:
        await pusher.stop()

    app.on_startup.append(start_pusher)
    app.on_cleanup.append(stop_pusher)
    app.router.add_post("/oauth/token", token_endpoint)

    async def correlation_view(_: web.Request) -> web.Response:
        return web.json_response(correlations.view())

    app.router.add_get("/_sim/correlations", correlation_view)
    add_control_routes(app)
    add_routes(app)
    return app


async def run_simulator(
    host: str = "127.0.0.1", port: int = 8989, options: SimulatorOptions | None = None
) -> None:
    """Serve until cancelled."""
    runner = web.AppRunner(create_app(options), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
