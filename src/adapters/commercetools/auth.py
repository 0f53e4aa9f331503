"""OAuth2 client credentials: one token fetch at a time, cached, renewed before expiry or after a 401."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import msgspec

from backflow.adapters.commercetools.config import CommercetoolsConfig
from backflow.adapters.token_cache import TokenCache
from backflow.ports.errors import TransientError, UnauthorizedError


class _TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"
    scope: str = ""


_DECODE_TOKEN = msgspec.json.Decoder(_TokenResponse)

# (url, basic_user, basic_password, params) -> (status, body); the HTTP client supplies it.
TokenPost = Callable[[str, str, str, dict[str, str]], Awaitable[tuple[int, bytes]]]


class TokenProvider(TokenCache):
    """commercetools' token endpoint: HTTP Basic credentials, scopes as parameters."""

    def __init__(
        self,
        config: CommercetoolsConfig,
        post: TokenPost,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._post = post
        # Renew well before expiry: a tenth of the lifetime, at most five minutes early.
        super().__init__(self._request, lambda lifetime: min(300.0, lifetime / 10), monotonic=monotonic)

    async def _request(self) -> tuple[str, float]:
        params = {"grant_type": "client_credentials"}
        if self._config.scopes:
            params["scope"] = " ".join(self._config.scopes)
        status, body = await self._post(
            self._config.token_url, self._config.client_id, self._config.client_secret, params
        )
        if status in (400, 401, 403):
            raise UnauthorizedError(f"token request refused ({status})", status=status)
        if status != 200:
            raise TransientError(f"token request failed ({status})", status=status)
        reply = _DECODE_TOKEN.decode(body)
        return reply.access_token, float(reply.expires_in)
