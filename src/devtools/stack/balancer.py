"""A load balancer in front of several replicas, as a real one stands in front of a cluster: an aiohttp
reverse proxy on 127.0.0.1 that forwards each request (method, path, query, headers and body
unchanged) to a random replica. A replica that refuses the connection (killed, or not listening yet)
is skipped for the next one; when none answers, or one dies while answering, the caller gets 502, as
from a real load balancer (a request that may have been half handled is never sent twice).

It runs on its own event loop in a thread of the process that starts the stack (the chaos run, the
benchmarks), so that it needs no process of its own to supervise."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Sequence

import aiohttp
from aiohttp import web

from backflow.devtools.net import HOST, wait_for

HOP_BY_HOP = frozenset(
    h.casefold()
    for h in (
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
        "Content-Length",
    )
)  # fmt: skip
"""Headers that belong to one connection, not to the request: each hop sets its own."""
FORWARD_TIMEOUT = aiohttp.ClientTimeout(total=60, connect=2)


class Balancer:
    def __init__(self, port: int, targets: Sequence[str], *, seed: int | None = None) -> None:
        self.port = port
        self.targets = list(targets)
        self.counts: Counter[str] = Counter()
        """forwarded, skipped (refused connections), no_replica and broken (both answered 502)."""
        self._rng = random.Random(seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        """Listening when this returns; the thread ends with `stop`."""
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), name="balancer", daemon=True)
        self._thread.start()
        wait_for(lambda: started.is_set() or self._failure is not None, 30, "the balancer to listen")
        if self._failure is not None:
            raise RuntimeError(f"the balancer did not start: {self._failure!r}") from self._failure

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(30)
        self._thread = None

    def _serve(self, started: threading.Event) -> None:
        try:
            asyncio.run(self._main(started))
        except BaseException as error:  # reported by `start` (a taken port, say)
            self._failure = error

    async def _main(self, started: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        # auto_decompress off: the body goes back byte for byte, with its Content-Encoding.
        async with aiohttp.ClientSession(timeout=FORWARD_TIMEOUT, auto_decompress=False) as session:

            async def forward(request: web.Request) -> web.StreamResponse:
                return await self._forward(session, request)

            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_route("*", "/{tail:.*}", forward)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            try:
                await web.TCPSite(runner, HOST, self.port).start()
                started.set()
                await self._stopping.wait()
            finally:
                await runner.cleanup()

    async def _forward(self, session: aiohttp.ClientSession, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.casefold() not in HOP_BY_HOP}
        for target in self._rng.sample(self.targets, len(self.targets)):
            try:
                async with session.request(
                    request.method, target + request.path_qs, headers=headers, data=body
                ) as answer:
                    payload = await answer.read()
                    kept = {k: v for k, v in answer.headers.items() if k.casefold() not in HOP_BY_HOP}
                    self.counts["forwarded"] += 1
                    return web.Response(status=answer.status, headers=kept, body=payload)
            except aiohttp.ClientConnectorError:
                self.counts["skipped"] += 1  # refused: nothing reached it, the next one may answer
            except (aiohttp.ClientError, TimeoutError) as error:
                # It took the request and died (or hung) before answering: maybe half handled.
                self.counts["broken"] += 1
                return web.Response(status=502, text=f"bad gateway: {target}: {type(error).__name__}")
        self.counts["no_replica"] += 1
        return web.Response(status=502, text="bad gateway: no replica answered")
