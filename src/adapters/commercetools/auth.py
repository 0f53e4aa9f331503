"""OAuth2 client credentials: one token fetch at a time, cached, renewed before expiry or after a 401."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
import msgspec

from adapters.commercetools.config import CommercetoolsConfig
from ports.errors import TransientError, UnauthorizedError


class _TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"
    scope: str = ""


_DECODE_TOKEN = msgspec.json.Decoder(_TokenResponse)

# (url, basic_user, basic_password, params) -> (status, body); the HTTP client supplies it.
TokenPost = Callable[[str, str, str, dict[str, str]], Awaitable[tuple[int, bytes]]]


class TokenProvider:
    def __init__(
        self,
        config: CommercetoolsConfig,
        post: TokenPost,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._post = post
        self._monotonic = monotonic
        self._lock = anyio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self.fetches = 0
        """How many tokens were requested (observability and tests)."""

    def _current(self) -> str | None:
        if self._token is not None and self._monotonic() < self._renew_at:
            return self._token
        return None

    async def token(self) -> str:
        token = self._current()
        if token is not None:
            return token
        # Single flight: whoever holds the lock fetches; the callers queued behind it find the new token.
        async with self._lock:
            token = self._current()
            if token is None:
                token = await self._fetch()
            return token

    def invalidate(self, token: str) -> None:
        """Forget `token` after the API refused it; a newer token fetched meanwhile is kept."""
        if self._token == token:
            self._token = None

    async def _fetch(self) -> str:
        params = {"grant_type": "client_credentials"}
        if self._config.scopes:
            params["scope"] = " ".join(self._config.scopes)
        self.fetches += 1
        status, body = await self._post(
            self._config.token_url, self._config.client_id, self._config.client_secret, params
        )
        if status in (400, 401, 403):
            raise UnauthorizedError(f"token request refused ({status})", status=status)
        if status != 200:
            raise TransientError(f"token request failed ({status})", status=status)
        reply = _DECODE_TOKEN.decode(body)
        # Renew well before expiry: a tenth of the lifetime, at most five minutes early.
        margin = min(300.0, reply.expires_in / 10)
        self._token = reply.access_token
        self._renew_at = self._monotonic() + reply.expires_in - margin
        return reply.access_token
