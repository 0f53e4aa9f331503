"""ReBound's public surface: `/oauth/token` and the `/v2` routes of the contract, with its error envelope."""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import msgspec
from aiohttp import web

from backflow.devtools.rebound_sim.engine import Simulator
from backflow.ports.returns_platform import SALES_ORDER_DECODER

SIM = web.AppKey("rebound_sim", Simulator)
TOKENS = web.AppKey("rebound_sim_tokens", dict)
FAULTS = web.AppKey("rebound_sim_faults", dict)
MAX_LIMIT = 200
_ACK_TYPES = frozenset({"REFUNDED", "REFUND_REJECTED", "RESTOCKED", "EXCEPTION"})
_ENCODER = msgspec.json.Encoder()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message, "details": []}}
    return web.json_response(body, status=status, headers=headers)


def _json(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=_ENCODER.encode(payload), status=status, content_type="application/json")


async def token(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return error(400, "unsupported_grant_type", "only client_credentials is supported")
    if (
        form.get("client_id") != sim.options.client_id
        or form.get("client_secret") != sim.options.client_secret
    ):
        return error(401, "invalid_client", "unknown client or wrong secret")
    value = secrets.token_urlsafe(24)
    request.app[TOKENS][value] = time.monotonic() + sim.options.token_lifetime
    return web.json_response(
        {"access_token": value, "token_type": "Bearer", "expires_in": int(sim.options.token_lifetime)}
    )


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Faults first (as a gateway would), then the bearer token and the flow key, for `/v2` only."""
    if not request.path.startswith("/v2/"):
        return await handler(request)
    sim = request.app[SIM]
    faults = request.app[FAULTS]
    if sim.options.latency > 0:
        await asyncio.sleep(sim.options.latency)
    retry_after = {"Retry-After": str(sim.options.retry_after)}
    if faults.get("rate_limit_next", 0) > 0:
        faults["rate_limit_next"] -= 1
        return error(429, "rate_limited", "too many requests", retry_after)
    if sim.options.rate_limit_rate and sim.api_rng.random() < sim.options.rate_limit_rate:
        return error(429, "rate_limited", "too many requests", retry_after)
    if faults.get("fail_next", 0) > 0:
        faults["fail_next"] -= 1
        return error(int(faults.get("fail_status", 503)), "unavailable", "simulated outage")
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    expires = request.app[TOKENS].get(value)
    if scheme != "Bearer" or expires is None or expires < time.monotonic():
        return error(401, "invalid_token", "the access token is missing, expired or revoked")
    if sim.options.flow_key and request.headers.get("X-ReBound-Flow-Key") != sim.options.flow_key:
        return error(403, "invalid_flow_key", "X-ReBound-Flow-Key is missing or wrong")
    return await handler(request)


async def put_sales_order(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    try:
        order = SALES_ORDER_DECODER.decode(await request.read())
    except msgspec.DecodeError as exc:
        return error(400, "invalid_request", str(exc))
    if order.clientOrderId != request.match_info["client_order_id"]:
        return error(400, "invalid_request", "clientOrderId differs from the path")
    created = sim.put_order(order)
    return _json(order, 201 if created else 200)


async def get_sales_order(request: web.Request) -> web.Response:
    stored = request.app[SIM].state.orders.get(request.match_info["client_order_id"])
    if stored is None:
        return error(404, "order_not_found", "no sales order with this clientOrderId")
    return _json(stored.order)


async def get_return(request: web.Request) -> web.Response:
    ret = request.app[SIM].state.returns.get(request.match_info["return_id"])
    if ret is None:
        return error(404, "return_not_found", "no return with this id")
    return _json(ret.snapshot())


def _paging(request: web.Request, since_name: str) -> tuple[datetime, str | None, int]:
    try:
        since = datetime.fromisoformat(request.query[since_name])
        limit = int(request.query.get("limit", "50"))
    except (KeyError, ValueError) as exc:
        raise web.HTTPBadRequest() from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise web.HTTPBadRequest()
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since, request.query.get("cursor"), limit


def _decode_cursor(cursor: str) -> list[str]:
    decoded = msgspec.json.decode(base64.urlsafe_b64decode(cursor.encode()))
    if not isinstance(decoded, list) or not decoded:
        raise ValueError("cursor")
    return [str(part) for part in decoded]


def _encode_cursor(position: list[str]) -> str:
    return base64.urlsafe_b64encode(_ENCODER.encode(position)).decode()


async def list_returns(request: web.Request) -> web.Response:
    try:
        since, cursor, limit = _paging(request, "updatedSince")
        after = _decode_cursor(cursor) if cursor else None
    except (web.HTTPBadRequest, ValueError, msgspec.DecodeError):
        return error(400, "invalid_request", f"updatedSince (ISO-8601), cursor and limit 1..{MAX_LIMIT}")
    changed = sorted(
        (ret for ret in request.app[SIM].state.returns.values() if ret.sequence and ret.updated_at >= since),
        key=lambda ret: (ret.updated_at, ret.return_id),
    )
    if after is not None:
        changed = [ret for ret in changed if [ret.updated_at.isoformat(), ret.return_id] > after]
    page = changed[:limit]
    more = len(changed) > limit
    next_cursor = _encode_cursor([page[-1].updated_at.isoformat(), page[-1].return_id]) if more else None
    return _json({"results": [ret.snapshot() for ret in page], "nextCursor": next_cursor})


async def list_events(request: web.Request) -> web.Response:
    try:
        since, cursor, limit = _paging(request, "since")
        start = int(_decode_cursor(cursor)[0]) if cursor else 0
    except (web.HTTPBadRequest, ValueError, TypeError, IndexError, msgspec.DecodeError):
        return error(400, "invalid_request", f"since (ISO-8601), cursor and limit 1..{MAX_LIMIT}")
    events = request.app[SIM].state.events
    picked: list[object] = []
    position = start
    while position < len(events) and len(picked) < limit:
        if events[position].event.createdAt >= since:
            picked.append(msgspec.Raw(events[position].body))
        position += 1
    more = any(item.event.createdAt >= since for item in events[position:])
    return _json({"results": picked, "nextCursor": _encode_cursor([str(position)]) if more else None})


async def acknowledge(request: web.Request) -> web.Response:
    state = request.app[SIM].state
    return_id = request.match_info["return_id"]
    key = request.headers.get("Idempotency-Key")
    if not key:
        return error(400, "missing_idempotency_key", "Idempotency-Key is required")
    if return_id not in state.returns:
        return error(404, "return_not_found", "no return with this id")
    try:
        body = msgspec.json.decode(await request.read())
    except msgspec.DecodeError as exc:
        return error(400, "invalid_request", str(exc))
    if (
        not isinstance(body, dict)
        or body.get("type") not in _ACK_TYPES
        or not isinstance(body.get("lines", []), list)
    ):
        return error(400, "invalid_request", "type must be one of " + ", ".join(sorted(_ACK_TYPES)))
    known = state.acknowledgements.setdefault(return_id, {})
    if key in known:
        if known[key] != body:
            return error(409, "idempotency_key_reused", "this key was used with another body")
        return _json({"idempotencyKey": key, "acknowledgement": known[key], "repeated": True}, 200)
    known[key] = body
    return _json({"idempotencyKey": key, "acknowledgement": body, "repeated": False}, 201)


def add_api_routes(app: web.Application) -> None:
    app.router.add_post("/oauth/token", token)
    app.router.add_put("/v2/sales-orders/{client_order_id}", put_sales_order)
    app.router.add_get("/v2/sales-orders/{client_order_id}", get_sales_order)
    app.router.add_get("/v2/return-orders", list_returns)
    app.router.add_get("/v2/return-orders/{return_id}", get_return)
    app.router.add_post("/v2/return-orders/{return_id}/acknowledgements", acknowledge)
    app.router.add_get("/v2/events", list_events)
