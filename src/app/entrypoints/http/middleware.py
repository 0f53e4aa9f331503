"""Server middleware: a SERVER span per request, the error shape, and the admin API's guard."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Middleware
from multidict import CIMultiDict, CIMultiDictProxy
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from backflow.app.core.tracing import extract_context, inject_context
from backflow.app.entrypoints.http.deps import Handler
from backflow.app.entrypoints.http.responses import HttpError, error
from backflow.ports.errors import StoreUnavailable

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/api/"
PUBLIC_ADMIN_PATHS = frozenset({"/api/openapi.json"})


def tracing_middleware(tracer: Tracer) -> Middleware:
    @web.middleware
    async def trace_request(request: web.Request, handler: Handler) -> web.StreamResponse:
        route = request.match_info.route.resource
        template = route.canonical if route is not None else "unmatched"
        parent = extract_context(request.headers)
        with tracer.start_as_current_span(
            f"{request.method} {template}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": request.method, "http.route": template},
        ) as span:
            if not _utf8(request.headers):
                # aiohttp keeps undecodable header bytes as surrogates; re-sending them would fail (500).
                span.set_attribute("http.response.status_code", 400)
                return error(400, "invalid_header", "a header value is not valid UTF-8")
            # Handlers that read the trace context from the headers (the ReBound webhook stores it
            # with the event) must see this span, not the caller's, so the chain runs through it.
            headers = CIMultiDict(request.headers)
            for name in ("traceparent", "tracestate"):
                headers.popall(name, None)
            headers.update(inject_context())
            response = await handler(request.clone(headers=headers))
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return response

    return trace_request


def _utf8(headers: CIMultiDictProxy[str]) -> bool:
    try:
        for name, value in headers.items():
            name.encode("utf-8")
            value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except HttpError as exc:
        return exc.response()
    except StoreUnavailable as exc:
        # Never a 2xx for what was not stored: a 503 makes ReBound and Pub/Sub deliver it again.
        log.warning("database unavailable", extra={"path": request.path, "error": str(exc)})
        return error(
            503,
            "store_unavailable",
            "the database cannot be reached; retry later",
            headers={"Retry-After": "5"},
        )
    except web.HTTPException as exc:
        if exc.status >= 400:
            return error(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
        raise
    except Exception:
        # The detail goes to the log (secrets masked there), never to the caller.
        log.exception("request failed", extra={"path": request.path, "method": request.method})
        return error(500, "internal_error", "the request failed; see the daemon's log")


def admin_guard(token: str | None) -> Middleware:
    """Browsers must never drive the admin API, and nobody without the token may."""
    expected = token.encode() if token else None

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(ADMIN_PREFIX):
            return await handler(request)
        if "Origin" in request.headers or request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
            return error(403, "browser_refused", "the admin API does not serve browser requests")
        if request.path in PUBLIC_ADMIN_PATHS:
            return await handler(request)
        if expected is None:
            return error(
                503, "admin_disabled", "the admin API is disabled: set BACKFLOW_ADMIN_TOKEN to enable it"
            )
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected):
            return error(
                401,
                "unauthorized",
                "a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await handler(request)

    return guard
