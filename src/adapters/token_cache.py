"""One cached OAuth2 bearer token per API client, fetched by one task at a time (single flight).

Both HTTP adapters use it; each supplies only how its API hands out a token and how early to renew.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio

Fetch = Callable[[], Awaitable[tuple[str, float]]]
"""Requests a new token: returns it with its lifetime in seconds; raises the port's typed errors."""


class TokenCache:
    def __init__(
        self,
        fetch: Fetch,
        renew_margin: Callable[[float], float],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch_token = fetch
        self._renew_margin = renew_margin
        self._monotonic = monotonic
        self._lock = anyio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0
        """How many tokens were requested (observability, and tests proving single flight)."""

    def _current(self) -> str | None:
        if self._token is not None and self._monotonic() < self._renew_at:
            return self._token
        return None

    async def token(self) -> str:
        token = self._current()
        if token is not None:
            return token
        # Whoever holds the lock fetches; the callers queued behind it find the new token.
        async with self._lock:
            return self._current() or await self._fetch()

    async def refresh(self, stale: str) -> str:
        """A fresh token after the API refused `stale`; concurrent refusals of one token fetch once."""
        async with self._lock:
            if self._token is not None and self._token != stale:
                return self._token
            return await self._fetch()

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it; a newer token fetched meanwhile is kept."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> str:
        self.fetches += 1
        token, lifetime = await self._fetch_token()
        self._token = token
        self._renew_at = self._monotonic() + lifetime - self._renew_margin(lifetime)
        return token
