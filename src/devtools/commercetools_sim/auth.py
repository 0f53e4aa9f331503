"""The OAuth2 token endpoint (client credentials, HTTP Basic) and the bearer check with scopes."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from backflow.devtools.commercetools_sim.errors import CtError
from backflow.devtools.commercetools_sim.keys import STATE, TOKENS
from backflow.devtools.commercetools_sim.state import SimState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Which permission a resource needs for reading and for writing (manage_* implies view_*).
RESOURCE_SCOPES = {
    "orders": ("view_orders", "manage_orders"),
    "payments": ("view_payments", "manage_payments"),
    "inventory": ("view_products", "manage_products"),
    "messages": ("view_messages", "view_messages"),
    "types": ("view_types", "manage_types"),
    "subscriptions": ("manage_subscriptions", "manage_subscriptions"),
}


@dataclass
class Token:
    value: str
    scopes: frozenset[str]
    expires_at: float


class TokenStore:
    def __init__(self) -> None:
        self.tokens: dict[str, Token] = {}

    def expire_all(self) -> None:
        for token in self.tokens.values():
            token.expires_at = 0.0


def _oauth_error(status: int, code: str, description: str) -> web.Response:
    return web.json_response({"error": code, "error_description": description}, status=status)


async def token_endpoint(request: web.Request) -> web.Response:
    state: SimState = request.app[STATE]
    store: TokenStore = request.app[TOKENS]
    state.count("oauth.token")
    header = request.headers.get("Authorization", "")
    try:
        user, _, password = (
            base64.b64decode(header.removeprefix("Basic "), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return _oauth_error(401, "invalid_client", "Basic authentication required.")
    if not header.startswith("Basic ") or (user, password) != (
        state.options.client_id,
        state.options.client_secret,
    ):
        return _oauth_error(401, "invalid_client", "Please provide valid client credentials.")
    form = await request.post()
    grant = request.query.get("grant_type") or form.get("grant_type")
    if grant != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported.")
    key = state.options.project_key
    allowed = {f"{scope}:{key}" for scope in state.options.granted_scopes}
    asked = str(request.query.get("scope") or form.get("scope") or "").split()
    if any(scope not in allowed for scope in asked):
        return _oauth_error(400, "invalid_scope", f"Scopes not granted: {sorted(set(asked) - allowed)}.")
    scopes = frozenset(asked or allowed)
    value = state.new_id().replace("-", "")
    ttl = state.options.token_ttl
    store.tokens[value] = Token(value, scopes, time.monotonic() + ttl)
    body = {
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": " ".join(sorted(scopes)),
    }
    return web.json_response(body)


def _needed_scope(request: web.Request, project_key: str) -> str | None:
    parts = request.path.strip("/").split("/")
    if len(parts) < 2 or parts[1] not in RESOURCE_SCOPES:
        return None
    view, manage = RESOURCE_SCOPES[parts[1]]
    return f"{manage if request.method in ('POST', 'DELETE') else view}:{project_key}"


def auth_middleware() -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(("/_sim", "/oauth")):
            return await handler(request)
        state: SimState = request.app[STATE]
        store: TokenStore = request.app[TOKENS]
        value = request.headers.get("Authorization", "").removeprefix("Bearer ")
        token = store.tokens.get(value)
        if token is None or token.expires_at <= time.monotonic():
            state.count("auth.rejected")
            return CtError(401, "invalid_token", "invalid_token").response()
        needed = _needed_scope(request, state.options.project_key)
        key = state.options.project_key
        if needed is not None and needed not in token.scopes and f"manage_project:{key}" not in token.scopes:
            # manage_* includes view_* in commercetools
            manage = needed.replace("view_", "manage_")
            if manage not in token.scopes:
                return CtError(403, "insufficient_scope", f"Insufficient scope: needs {needed}.").response()
        return await handler(request)

    return middleware
