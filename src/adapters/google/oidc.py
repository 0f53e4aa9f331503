"""Google's OIDC token on Pub/Sub push requests (`Authorization: Bearer <JWT>`), verified.

The signature, `iat`/`exp` and the audience are checked by `google.auth.jwt.decode`; the issuer,
the service account's e-mail and `email_verified` here, as Google's push documentation asks.
Google's certificates are fetched with the daemon's own aiohttp session (google-auth's transports
are blocking), cached as long as Google's `Cache-Control` allows, fetched again once when a token
names a key id the cache lacks (key rotation), and kept past expiry if Google cannot be reached.
The certificates URL is configuration, so tests serve a local key's certificate from 127.0.0.1.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import anyio
import msgspec
from google.auth import exceptions as google_errors
from google.auth import jwt

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
_MAX_AGE = re.compile(r"max-age=(\d+)")
_MAX_TOKEN = 8192


class OidcRejected(Exception):
    """The token is missing, malformed, expired, not Google's, or for another audience or account: 401."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OidcUnavailable(Exception):
    """Google's certificates could not be fetched and none are cached: a transient 503, not a 401."""


class OidcConfig(msgspec.Struct, frozen=True, kw_only=True):
    audience: str
    """The audience set on the push subscription (by default its endpoint URL)."""
    email: str
    """The service account the push subscription authenticates as."""
    certs_url: str = GOOGLE_CERTS_URL
    clock_skew_seconds: int = 30
    fetch_timeout: float = 10.0
    default_max_age: float = 300.0
    """How long certificates are kept when Google's answer gives no `max-age`."""
    refetch_interval: float = 30.0
    """An unknown key id fetches the certificates again at most this often (a forged kid cannot flood)."""


class GoogleOidcVerifier:
    def __init__(
        self,
        config: OidcConfig,
        session: aiohttp.ClientSession,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._session = session
        self._monotonic = monotonic
        self._certs: dict[str, str] = {}
        self._fresh_until = float("-inf")
        self._fetched_at = float("-inf")
        self._lock = anyio.Lock()
        self.fetches = 0

    async def verify(self, authorization: str | None) -> Mapping[str, Any]:
        """The token's claims, or `OidcRejected` (401) / `OidcUnavailable` (503)."""
        token = bearer_token(authorization)
        if token is None:
            raise OidcRejected("missing bearer token")
        if len(token) > _MAX_TOKEN:
            raise OidcRejected("token too long")
        try:
            # google-auth's jwt functions carry no annotations; their results are checked here.
            key_id = jwt.decode_header(token).get("kid")  # type: ignore[no-untyped-call]
        except (ValueError, TypeError, google_errors.GoogleAuthError) as error:
            raise OidcRejected(f"malformed token: {error}") from None
        certs = await self._certificates(key_id if isinstance(key_id, str) else None)
        try:
            claims: Mapping[str, Any] = jwt.decode(  # type: ignore[no-untyped-call]
                token,
                certs=certs,
                audience=self.config.audience,
                clock_skew_in_seconds=self.config.clock_skew_seconds,
            )
        except (ValueError, TypeError, google_errors.GoogleAuthError) as error:
            raise OidcRejected(str(error)) from None
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise OidcRejected(f"issuer {str(claims.get('iss'))[:100]!r} is not Google")
        if claims.get("email") != self.config.email:
            raise OidcRejected(f"signed for {str(claims.get('email'))[:100]!r}, not the configured account")
        if claims.get("email_verified") is not True:
            raise OidcRejected("the account's e-mail is not verified")

    async def _certificates(self, key_id: str | None) -> dict[str, str]:
        async with self._lock:  # one fetch at a time; waiters then see its result
            now = self._monotonic()
            stale = now >= self._fresh_until
            unknown = key_id is not None and key_id not in self._certs
            may_refetch = now - self._fetched_at >= self.config.refetch_interval
            if stale or (unknown and may_refetch):
                await self._fetch(now)
            if not self._certs:
                raise OidcUnavailable("no Google certificates: the first fetch failed")
            return self._certs

    async def _fetch(self, now: float) -> None:
        self._fetched_at = now
        timeout = aiohttp.ClientTimeout(total=self.config.fetch_timeout)
        try:
            async with self._session.get(self.config.certs_url, timeout=timeout) as response:
                body = await response.read()
                if response.status != 200:
                    raise OidcUnavailable(f"certificates answered {response.status}")
                max_age = _max_age(response.headers.get("Cache-Control"), self.config.default_max_age)
            certs = msgspec.json.decode(body, type=dict[str, str])
        except (aiohttp.ClientError, TimeoutError, msgspec.DecodeError, OidcUnavailable) as error:
            if self._certs:
                # Google's keys overlap by days: keep verifying with the ones we have, retry soon.
                self._fresh_until = now + self.config.refetch_interval
                return
            raise OidcUnavailable(f"cannot fetch Google's certificates: {error!r}") from error
        self.fetches += 1
        self._certs = certs
        self._fresh_until = now + max_age


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _max_age(cache_control: str | None, default: float) -> float:
    match = _MAX_AGE.search(cache_control or "")
    seconds = float(match.group(1)) if match else default
    return min(max(seconds, 60.0), 86400.0)
