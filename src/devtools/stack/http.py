"""JSON over HTTP to a simulator's control surface or the daemon's admin API: `request` for blocking
callers (benchmark threads, the launcher's readiness checks), `JsonApi` for async ones (the driver)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import aiohttp

TIMEOUT_SECONDS = 60.0


class ApiError(RuntimeError):
    """An answer with a status the caller did not expect."""


def request(
    method: str,
    url: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """One JSON call (or `raw` bytes as the body); (0, None) when nothing answered."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    merged = {"Content-Type": "application/json"} | (headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=merged)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            return int(response.status), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return int(error.code), json.loads(raw) if raw else None
        except ValueError:
            return int(error.code), raw.decode(errors="replace")
    except OSError:
        return 0, None


class JsonApi:
    """One base URL (and bearer token) on a shared aiohttp session; unexpected statuses raise ApiError."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str | None = None) -> None:
        self.session = session
        self.base = base.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: tuple[int, ...] = (200, 201),
        within: float = TIMEOUT_SECONDS,
    ) -> Any:
        async with self.session.request(
            method,
            self.base + path,
            json=body,
            headers=self.headers,
            timeout=aiohttp.ClientTimeout(total=within),
        ) as response:
            if response.status not in expect:
                text = (await response.text())[:500]
                raise ApiError(f"{method} {self.base}{path}: HTTP {response.status}: {text}")
            return await response.json(content_type=None)

    async def get(self, path: str) -> Any:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> Any:
        return await self.call("POST", path, body)

    async def put(self, path: str, body: Any = None) -> Any:
        return await self.call("PUT", path, body)
