"""OAuth2 client credentials: one token shared by every request, fetched by one task at a time."""

from __future__ import annotations

import time
from collections.abc import Callable

import aiohttp
import anyio
import msgspec

from adapters.rebound.config import ReboundConfig
from adapters.rebound.errors import port_error
from ports.errors import TransientError, UnauthorizedError


class _TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: float = 3600
    token_type: str = "Bearer"


_TOKEN_DECODER = msgspec.json.Decoder(_TokenResponse)


class TokenSource:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ReboundConfig,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._config = config
        self._monotonic = monotonic
        self._lock = anyio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0
        """How many tokens were fetched; lets tests prove single flight."""

    async def token(self) -> str:
        if self._token is not None and self._monotonic() < self._renew_at:
            return self._token
        async with self._lock:
            # Single flight: whoever waited on the lock finds the token the first task fetched.
            if self._token is not None and self._monotonic() < self._renew_at:
                return self._token
            return await self._fetch()

    async def refresh(self, stale: str) -> str:
        """A fresh token after a 401 on `stale`; concurrent 401s for the same token fetch once."""
        async with self._lock:
            if self._token is not None and self._token != stale:
                return self._token
            return await self._fetch()

    async def _fetch(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._config.client_id,
            "client_secret": self._config.client_secret,
        }
        url = f"{self._config.api_url}/oauth/token"
        try:
            async with self._session.post(url, data=form) as response:
                body = await response.read()
                if response.status != 200:
                    error = port_error(
                        response.status, body, response.headers.get("Retry-After"), "token request"
                    )
                    if response.status in (400, 401, 403):
                        raise UnauthorizedError(error.message, status=response.status, codes=error.codes)
                    raise error
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientError(f"token request failed: {exc!r}") from exc
        parsed = _TOKEN_DECODER.decode(body)
        self.fetches += 1
        lifetime = max(parsed.expires_in, 1.0)
        # Renew ahead of expiry, but never sooner than half the lifetime of a short-lived token.
        margin = min(self._config.token_renew_margin, lifetime / 2)
        self._token = parsed.access_token
        self._renew_at = self._monotonic() + lifetime - margin
        return parsed.access_token
