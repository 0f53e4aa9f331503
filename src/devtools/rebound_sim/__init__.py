"""A ReBound that runs on 127.0.0.1: `create_app(options)`, `run_simulator(host, port, options)`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import anyio
from aiohttp import web

from backflow.devtools.rebound_sim.api import FAULTS, SIM, TOKENS, add_api_routes, guard
from backflow.devtools.rebound_sim.control import SESSION, SFTP, add_control_routes
from backflow.devtools.rebound_sim.engine import Simulator
from backflow.devtools.rebound_sim.options import SimOptions
from backflow.devtools.rebound_sim.sftp_server import serve_sftp

__all__ = ["SFTP", "SimOptions", "Simulator", "create_app", "run_simulator"]


def create_app(options: SimOptions | None = None) -> web.Application:
    app = web.Application(middlewares=[guard])
    app[SIM] = Simulator(options or SimOptions())
    app[TOKENS] = {}
    app[FAULTS] = {}
    add_api_routes(app)
    add_control_routes(app)
    app.cleanup_ctx.append(_background)
    if app[SIM].options.sftp_root:
        app.cleanup_ctx.append(_sftp)
    return app


async def _sftp(app: web.Application) -> AsyncIterator[None]:
    """The SFTP server the tracking files are dropped on, for as long as the simulator runs."""
    options = app[SIM].options
    assert options.sftp_root is not None
    root = Path(options.sftp_root)
    async with serve_sftp(root, options.sftp_port, options.sftp_user, options.sftp_password) as served:
        app[SFTP] = served
        options.sftp_dir = served.drop
        yield


async def _background(app: web.Application) -> AsyncIterator[None]:
    """The delivery session, and while `time_scale` > 0 a loop that moves time and delivers."""
    app[SESSION] = aiohttp.ClientSession()
    task = asyncio.create_task(_run_clock(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await app[SESSION].close()


async def _run_clock(app: web.Application) -> None:
    sim = app[SIM]
    last = time.monotonic()
    while True:
        await anyio.sleep(sim.options.tick)
        now = time.monotonic()
        elapsed, last = now - last, now
        if sim.options.time_scale > 0:
            sim.advance(elapsed * sim.options.time_scale)
            await sim.deliverer.flush(app[SESSION], sim.now)
            await sim.tracking.flush(app[SESSION], sim.now)


async def run_simulator(host: str = "127.0.0.1", port: int = 8090, options: SimOptions | None = None) -> None:
    """Serve until cancelled."""
    runner = web.AppRunner(create_app(options))
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        await anyio.sleep_forever()
    finally:
        await runner.cleanup()
