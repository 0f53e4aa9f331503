"""Fault injection per route: latency, 502/503 at a rate, hangs, and "apply then drop the response".

A rule matches a request by method (`*` for any) and a regular expression searched in the path.
Randomness comes from the simulator's seeded generator, so a run is reproducible.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HANG_SECONDS = 120.0  # longer than any client timeout; bounded so a stuck test still ends


@dataclass(kw_only=True)
class FaultRule:
    method: str = "*"
    path: str = ".*"
    latency: float = 0.0
    """Seconds added before the request is handled."""
    error_rate: float = 0.0
    error_status: int = 503
    """502 or 503, answered without applying anything."""
    hang_rate: float = 0.0
    """Share of requests that never get an answer (the client times out)."""
    drop_rate: float = 0.0
    """Share of requests applied and then answered by closing the connection."""
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, request: web.Request) -> bool:
        return self.method in ("*", request.method) and self._pattern.search(request.path) is not None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        known = {"method", "path", "latency", "error_rate", "error_status", "hang_rate", "drop_rate"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "latency": self.latency,
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "hang_rate": self.hang_rate,
            "drop_rate": self.drop_rate,
        }


async def _hang(request: web.Request) -> None:
    """Never answer; stop waiting once the client has given up, so shutdown is not held up."""
    for _ in range(int(HANG_SECONDS / 0.05)):
        if request.transport is None or request.transport.is_closing():
            break
        await asyncio.sleep(0.05)
    raise asyncio.CancelledError  # no response at all: the connection is dropped


def route_shape(request: web.Request) -> str:
    """`/orders/{id}`, `/orders/order-number=…`, `/payments`: what a call was, without its ids, so a
    benchmark can count the calls each step of a return costs (`GET /_sim/stats`, `call …` keys)."""
    info = request.match_info
    if "resource" not in info:
        return request.path
    shape = f"/{info['resource']}"
    if "ident" in info:
        ident = info["ident"]
        shape += f"/{ident.split('=', 1)[0]}=…" if "=" in ident else "/{id}"
    return shape


def fault_middleware(
    rules: Callable[[], list[FaultRule]], rng: random.Random, count: Callable[[str], None]
) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_sim"):
            return await handler(request)
        count(f"call {request.method} {route_shape(request)}")
        drop = False
        for rule in rules():
            if not rule.matches(request):
                continue
            if rule.latency:
                await asyncio.sleep(rule.latency)
            if rule.hang_rate and rng.random() < rule.hang_rate:
                count("fault.hang")
                await _hang(request)
            if rule.error_rate and rng.random() < rule.error_rate:
                count(f"fault.{rule.error_status}")
                body = {"statusCode": rule.error_status, "message": "Injected fault", "errors": []}
                return web.json_response(body, status=rule.error_status)
            drop = drop or bool(rule.drop_rate and rng.random() < rule.drop_rate)
        response = await handler(request)
        if response.status == 409:  # a version conflict: what racing writers cost, per route
            count(f"conflict {request.method} {route_shape(request)}")
        if drop and request.transport is not None:
            # The write is applied; the client only sees its connection cut.
            count("fault.drop")
            request.transport.abort()
        return response

    return middleware
