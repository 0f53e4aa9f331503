"""JSON over HTTP to one base URL (a simulator's control surface or the daemon's admin API)."""

from __future__ import annotations

from typing import Any

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=60)


class DemoHttpError(RuntimeError):
    pass


class JsonApi:
    def __init__(self, session: aiohttp.ClientSession, base: str, token: str | None = None) -> None:
        self.session = session
        self.base = base.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def call(
        self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200, 201)
    ) -> Any:
        async with self.session.request(
            method, self.base + path, json=body, headers=self.headers, timeout=TIMEOUT
        ) as response:
            if response.status not in expect:
                text = (await response.text())[:500]
                raise DemoHttpError(f"{method} {self.base}{path}: HTTP {response.status}: {text}")
            return await response.json(content_type=None)

    async def get(self, path: str) -> Any:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, body)

    async def put(self, path: str, body: Any = None) -> Any:
        return await self.call("PUT", path, body)
