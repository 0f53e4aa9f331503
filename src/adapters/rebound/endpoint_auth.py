"""How every ReBound endpoint authenticates a delivery, chosen by `REBOUND_WEBHOOK_AUTH`.

- `hmac` (the default): `ReBound-Signature` over the raw body (`signature.py`, contract §3).
- `header:<Header-Name>`: a static token in that header.
- `basic`: HTTP Basic; each secret is `user:password`.

`REBOUND_WEBHOOK_SECRET` holds the secrets, comma-separated while one is rotated; any one is enough.
Every comparison is constant-time and every secret is checked, so timing reveals neither which
secret matched nor how much of a guess was right. A failure is one `AuthenticationFailed` whose
reason is safe to log and answer: it never contains a presented or configured credential.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum

import msgspec

from backflow.adapters.rebound import signature
from backflow.adapters.rebound.config import ReboundConfigError, parse_secrets

AUTH_VARIABLE = "REBOUND_WEBHOOK_AUTH"
SECRET_VARIABLE = "REBOUND_WEBHOOK_SECRET"
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")  # an RFC 9110 token, bounded


class AuthScheme(StrEnum):
    HMAC = "hmac"
    HEADER = "header"
    BASIC = "basic"


class AuthenticationFailed(Exception):
    """401: missing or wrong credentials. `reason` names what was wrong, never a credential."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Authenticated(msgspec.Struct, frozen=True, kw_only=True):
    scheme: AuthScheme
    kept_headers: dict[str, str] = {}
    """What the inbox keeps about the authentication (the signed timestamp for `hmac`)."""


class EndpointAuth(msgspec.Struct, frozen=True, kw_only=True):
    scheme: AuthScheme = AuthScheme.HMAC
    secrets: tuple[str, ...]
    header_name: str | None = None
    """The header carrying the token, for `header:` only."""
    tolerance: int = signature.TOLERANCE_SECONDS

    def __repr__(self) -> str:
        return f"EndpointAuth({self.describe()})"

    __str__ = __repr__

    def describe(self) -> str:
        """For `check-config`: the scheme and how many secrets, never a secret."""
        count = f"{len(self.secrets)} secret{'s' if len(self.secrets) != 1 else ''}"
        if self.scheme is AuthScheme.HEADER:
            return f"header:{self.header_name} (static token, {count})"
        if self.scheme is AuthScheme.BASIC:
            return f"basic (HTTP Basic, {count})"
        return f"hmac ({signature.SIGNATURE_HEADER}, {count})"


def endpoint_auth_from_env(env: Mapping[str, str]) -> EndpointAuth:
    """`REBOUND_WEBHOOK_AUTH` and `REBOUND_WEBHOOK_SECRET`; a `ReboundConfigError` in one line otherwise."""
    raw = env.get(AUTH_VARIABLE, "").strip()
    scheme, header_name = parse_scheme(raw or AuthScheme.HMAC.value)
    secrets = parse_secrets(env.get(SECRET_VARIABLE, ""))
    if not secrets:
        raise ReboundConfigError(
            f"{SECRET_VARIABLE} is not set: ReBound endpoints cannot authenticate ({AUTH_VARIABLE}={scheme})"
        )
    if scheme is AuthScheme.BASIC:
        for index, secret in enumerate(secrets, start=1):
            user, sep, _ = secret.partition(":")
            if not sep or not user:
                raise ReboundConfigError(
                    f"{SECRET_VARIABLE}: with {AUTH_VARIABLE}=basic every secret is user:password "
                    f"(secret {index} is not)"
                )
    return EndpointAuth(scheme=scheme, secrets=secrets, header_name=header_name)


def parse_scheme(raw: str) -> tuple[AuthScheme, str | None]:
    name, sep, header = raw.partition(":")
    scheme = name.strip().lower()
    if scheme == AuthScheme.HEADER:
        header = header.strip()
        if not header:
            raise ReboundConfigError(
                f"{AUTH_VARIABLE}=header: needs the header's name, e.g. header:X-ReBound-Token"
            )
        if not _HEADER_NAME.match(header):
            raise ReboundConfigError(f"{AUTH_VARIABLE}: {header[:64]!r} is not a valid HTTP header name")
        return AuthScheme.HEADER, header
    if scheme in (AuthScheme.HMAC, AuthScheme.BASIC) and not sep:
        return AuthScheme(scheme), None
    raise ReboundConfigError(f"{AUTH_VARIABLE} must be hmac, header:<Header-Name> or basic, not {raw[:64]!r}")


def authenticate(auth: EndpointAuth, headers: Mapping[str, str], body: bytes, *, now: float) -> Authenticated:
    """Check one request's credentials; `headers` must look names up case-insensitively (aiohttp's do)."""
    if auth.scheme is AuthScheme.HMAC:
        try:
            signed_at = signature.verify(
                headers.get(signature.SIGNATURE_HEADER), body, auth.secrets, now, auth.tolerance
            )
        except signature.SignatureError as error:
            raise AuthenticationFailed(error.problem.value) from None
        kept = {"ReBound-Signature-Timestamp": str(signed_at)}
        return Authenticated(scheme=auth.scheme, kept_headers=kept)
    if auth.scheme is AuthScheme.HEADER:
        assert auth.header_name is not None
        token = headers.get(auth.header_name)
        if not token:
            raise AuthenticationFailed(f"missing {auth.header_name} header")
        if not matches_any(token.strip(), auth.secrets):
            raise AuthenticationFailed(f"wrong token in {auth.header_name}")
        return Authenticated(scheme=auth.scheme)
    presented = _basic_credentials(headers.get("Authorization"))
    if not matches_any(presented, auth.secrets):
        raise AuthenticationFailed("wrong user or password")
    return Authenticated(scheme=auth.scheme)


def matches_any(presented: str, secrets: Sequence[str]) -> bool:
    """Constant-time over every secret: digests make the lengths equal, `|=` never stops early."""
    wanted = _digest(presented)
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(wanted, _digest(secret))
    return matched


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def _basic_credentials(header: str | None) -> str:
    if not header:
        raise AuthenticationFailed("missing Authorization header")
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise AuthenticationFailed("Authorization is not HTTP Basic")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed("malformed HTTP Basic credentials") from None
    if ":" not in decoded:
        raise AuthenticationFailed("malformed HTTP Basic credentials")
    return decoded
