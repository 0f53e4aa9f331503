"""OAuth2 client credentials: one token shared by every request, fetched by one task at a time."""

from __future__ import annotations

import time
from collections.abc import Callable

import aiohttp
import msgspec

from backflow.adapters.rebound.config import ReboundConfig
from backflow.adapters.rebound.errors import port_error
from backflow.adapters.token_cache import TokenCache
from backflow.ports.errors import TransientError, UnauthorizedError


class _TokenResponse(msgspec.Struct):
    access_token: str
    expires_in: float = 3600
    token_type: str = "Bearer"


_TOKEN_DECODER = msgspec.json.Decoder(_TokenResponse)


class TokenSource(TokenCache):
    """ReBound's token endpoint: credentials in the form body."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ReboundConfig,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._config = config
        # Renew ahead of expiry, but never sooner than half the lifetime of a short-lived token.
        super().__init__(
            self._request,
            lambda lifetime: min(config.token_renew_margin, lifetime / 2),
            monotonic=monotonic,
        )

    async def _request(self) -> tuple[str, float]:
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
        return parsed.access_token, max(parsed.expires_in, 1.0)
