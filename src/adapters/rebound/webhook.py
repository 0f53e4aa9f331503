"""`POST /webhooks/rebound`: verify, store durably, answer. Nothing else happens in the request.

Order matters: the size cap and the signature come before any parsing, so an unsigned body never
reaches a parser or the inbox. The body is read by the daemon's one body reader (`read_body`,
handed in by the composition root): the whole body up to the cap, however many TCP segments it
came in. A signed body that is not an envelope still came from ReBound, so it is kept
(quarantined) rather than dropped. Processing happens later, from the inbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import msgspec
from aiohttp import web
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from backflow.adapters.rebound import signature
from backflow.adapters.rebound.endpoint_auth import (
    AuthenticationFailed,
    AuthScheme,
    EndpointAuth,
    authenticate,
)
from backflow.app.entrypoints.http.responses import error as _error
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, Inbox, StoreOutcome

SOURCE = "rebound"
MAX_BODY = 1024 * 1024
EVENT_ID_HEADER = "ReBound-Event-Id"
EVENT_TYPE_HEADER = "ReBound-Event-Type"
ATTEMPT_HEADER = "ReBound-Delivery-Attempt"
SIGNATURE_TIMESTAMP = "ReBound-Signature-Timestamp"
_KEPT_HEADERS = (EVENT_ID_HEADER, EVENT_TYPE_HEADER, ATTEMPT_HEADER)
_MAX_HEADER_KEPT = 256
_PROPAGATOR = TraceContextTextMapPropagator()

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BodyReader = Callable[[web.Request, int], Awaitable[bytes | None]]
"""The whole body, or None when it is larger than the cap (given as the second argument)."""
Capture = Callable[[web.Request, bytes, str], Awaitable[None]]
"""Keeps a body refused for its credentials (capture mode); the answer does not change."""

_SIGNATURE_REASONS = {
    signature.SignatureProblem.MISSING.value: "signature_missing",
    signature.SignatureProblem.MALFORMED.value: "signature_malformed",
    signature.SignatureProblem.STALE.value: "timestamp_outside_tolerance",
    signature.SignatureProblem.MISMATCH.value: "signature_mismatch",
}


class IntakeAudit(Protocol):
    """Told of every delivery, refusal and repeated event id (the daemon logs, counts and reviews them)."""

    def accepted(self, source: str, outcome: str) -> None:
        """A delivery the inbox took: `outcome` is `stored` or `duplicate`."""
        ...

    def refused(self, source: str, reason: str, *, peer: str | None = None) -> None: ...

    async def duplicate(self, event: InboundEvent) -> bool:
        """A delivery whose id is already stored: True when its body differs from the stored one."""
        ...


class _Envelope(msgspec.Struct):
    """Just enough to know the body is an event; the full snapshot is decoded when it is processed."""

    id: str
    type: str
    createdAt: datetime  # ReBound's field names are camelCase
    sequence: int
    data: dict[str, Any]


_ENVELOPE_DECODER = msgspec.json.Decoder(_Envelope)


def make_webhook_handler(
    inbox: Inbox,
    secrets: Sequence[str],
    clock: Clock,
    *,
    read_body: BodyReader,
    audit: IntakeAudit | None = None,
    max_body: int = MAX_BODY,
    tolerance: int = signature.TOLERANCE_SECONDS,
    auth: EndpointAuth | None = None,
    capture: Capture | None = None,
) -> Handler:
    """An aiohttp handler for ReBound's webhooks; `secrets` are all currently accepted secrets, for
    the `hmac` scheme unless `auth` (`REBOUND_WEBHOOK_AUTH`) names another."""
    if auth is None:
        if not tuple(secrets):
            raise ValueError("at least one webhook secret is required (REBOUND_WEBHOOK_SECRET)")
        auth = EndpointAuth(scheme=AuthScheme.HMAC, secrets=tuple(secrets), tolerance=tolerance)
    checked = auth

    def refuse(request: web.Request, status: int, code: str, message: str, reason: str) -> web.Response:
        if audit is not None:
            audit.refused(SOURCE, reason, peer=request.remote)
        return _error(status, code, message)

    async def stored(event: InboundEvent) -> StoreOutcome:
        outcome = await inbox.store(event)
        if audit is not None:
            audit.accepted(SOURCE, outcome.value)
            if outcome is StoreOutcome.DUPLICATE:
                await audit.duplicate(event)
        return outcome

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await read_body(request, max_body)
        if body is None:
            message = f"the body exceeds {max_body} bytes"
            return refuse(request, 413, "body_too_large", message, "body_too_large")
        try:
            authenticated = authenticate(checked, request.headers, body, now=clock.now().timestamp())
        except AuthenticationFailed as failed:
            if capture is not None:
                await capture(request, body, failed.reason)
            if checked.scheme is AuthScheme.HMAC:
                reason = _SIGNATURE_REASONS.get(failed.reason, "unauthorized")
                return refuse(request, 401, "invalid_signature", failed.reason, reason)
            return refuse(request, 401, "unauthorized", failed.reason, "unauthorized")
        headers = _kept_headers(request, authenticated.kept_headers)
        trace_ctx = _trace_context(request)
        try:
            envelope = _ENVELOPE_DECODER.decode(body)
        except msgspec.DecodeError as error:
            reason = f"not a ReBound event envelope: {error}"
            await stored(_quarantined(body, headers, trace_ctx, clock, reason))
            return refuse(request, 400, "invalid_envelope", reason, "invalid_envelope")
        event = InboundEvent(
            source=SOURCE,
            source_id=envelope.id,
            kind=envelope.type,
            received_at=clock.now(),
            body=body,
            headers=headers,
            trace_ctx=trace_ctx,
        )
        outcome = await stored(event)
        status = 200 if outcome is StoreOutcome.DUPLICATE else 202
        return web.json_response({"id": envelope.id, "outcome": outcome.value}, status=status)

    return handle


def _kept_headers(request: web.Request, authenticated: dict[str, str]) -> dict[str, str]:
    kept = {
        name: request.headers[name][:_MAX_HEADER_KEPT] for name in _KEPT_HEADERS if name in request.headers
    }
    kept.update(authenticated)  # the signed timestamp, for `hmac`
    return kept


def _trace_context(request: web.Request) -> dict[str, str]:
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=_PROPAGATOR.extract(request.headers))
    return carrier


def _quarantined(
    body: bytes, headers: dict[str, str], trace_ctx: dict[str, str], clock: Clock, reason: str
) -> InboundEvent:
    source_id = headers.get(EVENT_ID_HEADER) or f"sha256:{hashlib.sha256(body).hexdigest()}"
    return InboundEvent(
        source=SOURCE,
        source_id=source_id,
        kind=headers.get(EVENT_TYPE_HEADER, "unknown"),
        received_at=clock.now(),
        body=body,
        headers=headers,
        trace_ctx=trace_ctx,
        quarantine_reason=reason[:500],
    )
