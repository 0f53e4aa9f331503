"""Who may push: the shared push token and, when configured, Google's OIDC token, for every push endpoint.

- `BACKFLOW_PUSH_TOKEN` alone: the token as `?token=` or as `Authorization: Bearer <token>`; either
  place is looked at. (The earlier check compared a bearer header only and never looked at
  `?token=`, so a subscription with Google's authentication on, whose bearer is Google's JWT,
  was refused even with the right `?token=`.)
- `BACKFLOW_PUSH_OIDC_AUDIENCE` and `BACKFLOW_PUSH_OIDC_EMAIL`: the bearer must be Google's valid
  token for that audience and service account; with a push token too, `?token=` must also match.
- Neither: pushes are not authenticated (the subscription's URL is the secret).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

import msgspec

from backflow.adapters.google.oidc import (
    GOOGLE_CERTS_URL,
    GoogleOidcVerifier,
    OidcConfig,
    OidcRejected,
    OidcUnavailable,
    bearer_token,
)

TOKEN_VARIABLE = "BACKFLOW_PUSH_TOKEN"
AUDIENCE_VARIABLE = "BACKFLOW_PUSH_OIDC_AUDIENCE"
EMAIL_VARIABLE = "BACKFLOW_PUSH_OIDC_EMAIL"
CERTS_URL_VARIABLE = "BACKFLOW_PUSH_OIDC_CERTS_URL"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class PushAuthConfigError(ValueError):
    """One line naming the setting that is wrong."""


class PushRefused(Exception):
    """`status` is 401 (credentials) or 503 (Google's certificates cannot be had just now)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PushAuthConfig(msgspec.Struct, frozen=True, kw_only=True):
    token: str | None = None
    oidc: OidcConfig | None = None

    def __repr__(self) -> str:
        return f"PushAuthConfig({self.describe()})"

    __str__ = __repr__

    def describe(self) -> str:
        """For `check-config`; never the token."""
        parts = []
        if self.oidc is not None:
            parts.append(f"Google OIDC for {self.oidc.email} (audience {self.oidc.audience})")
        if self.token is not None:
            parts.append("push token (?token=)" if self.oidc else "push token (?token= or bearer)")
        return " and ".join(parts) or "none: pushes are not authenticated"


def push_auth_from_env(env: Mapping[str, str]) -> PushAuthConfig:
    audience = env.get(AUDIENCE_VARIABLE, "").strip()
    email = env.get(EMAIL_VARIABLE, "").strip()
    certs_url = env.get(CERTS_URL_VARIABLE, "").strip() or GOOGLE_CERTS_URL
    if bool(audience) != bool(email):
        missing = EMAIL_VARIABLE if audience else AUDIENCE_VARIABLE
        present = AUDIENCE_VARIABLE if audience else EMAIL_VARIABLE
        raise PushAuthConfigError(f"{missing} is not set: Google OIDC needs it with {present}")
    if not _secure_url(certs_url):
        raise PushAuthConfigError(
            f"{CERTS_URL_VARIABLE} must be an https URL (http only on loopback), not {certs_url[:100]!r}"
        )
    oidc = OidcConfig(audience=audience, email=email, certs_url=certs_url) if audience else None
    return PushAuthConfig(token=env.get(TOKEN_VARIABLE) or None, oidc=oidc)


def push_token_matches(token: str, authorization: str | None, query_token: str | None) -> bool:
    """The push token as `?token=` or as a bearer token; both are compared, each in constant time."""
    expected = _digest(token)
    in_query = hmac.compare_digest(_digest(query_token or ""), expected) and bool(query_token)
    bearer = bearer_token(authorization)
    in_header = hmac.compare_digest(_digest(bearer or ""), expected) and bool(bearer)
    return in_query or in_header


class PushAuthenticator:
    """The check every push endpoint (`/events/commercetools`, `/events/rebound`) makes first."""

    def __init__(self, config: PushAuthConfig, verifier: GoogleOidcVerifier | None = None) -> None:
        if (config.oidc is None) != (verifier is None):
            raise ValueError("a GoogleOidcVerifier is needed exactly when OIDC is configured")
        self.config = config
        self._verifier = verifier

    async def check(self, headers: Mapping[str, str], query: Mapping[str, str]) -> None:
        """Returns when the push may be taken; else `PushRefused`. `headers` case-insensitive."""
        authorization = headers.get("Authorization")
        if self._verifier is not None:
            try:
                await self._verifier.verify(authorization)
            except OidcRejected as rejected:
                raise PushRefused(401, f"Google OIDC token refused: {rejected.reason}") from None
            except OidcUnavailable as error:
                raise PushRefused(503, f"cannot verify Google's token now: {error}") from None
            authorization = None  # the bearer was Google's: the push token can only be in the query
        token = self.config.token
        if token is not None and not push_token_matches(token, authorization, query.get("token")):
            raise PushRefused(401, "the push token is missing or wrong")


def _secure_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in _LOOPBACK


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
