"""The canned dataset served over HTTP on 127.0.0.1 from a thread of its own (snap_compare runs the app
in its own event loop, so the server cannot share one)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec
from aiohttp import web

from backflow.app.entrypoints.http.views import ErrorBody, ErrorResponse
from tests.tui.canned import ROUTES

TOKEN = "snapshot-token"


async def _answer(request: web.Request) -> web.Response:
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return _answer_with(ErrorResponse(ErrorBody("unauthorized", "no")), status=401)
    body = ROUTES.get(request.path)
    if body is None:
        return _answer_with(ErrorResponse(ErrorBody("not_found", request.path)), status=404)
    return _answer_with(body)


def _answer_with(body: msgspec.Struct, *, status: int = 200) -> web.Response:
    return web.Response(body=msgspec.json.encode(body), status=status, content_type="application/json")


@contextmanager
def canned_server() -> Iterator[str]:
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _answer)
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
