"""ReBound's published tracking updates: `POST /webhooks/rebound/tracking` and the Pub/Sub push
`POST /events/rebound`. Both answer 2xx only once the notification is durably in the inbox.

Order matters, as for the contract webhook: the size cap and the credentials come before any
parsing, so an unauthenticated body never reaches a parser or the inbox (only, in capture mode, the
quarantined capture). An authenticated body that is not a tracking update still came from ReBound,
so it is kept quarantined and answered 400. The readers come from the ReBound and Google adapters
through the composition root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import msgspec
from aiohttp import web

from backflow.app.core.tracing import inject_context
from backflow.app.entrypoints.http.body import MAX_BODY, read_body
from backflow.app.entrypoints.http.capture import Capture
from backflow.app.entrypoints.http.intake import IntakeResult, PushCheck, PushRefusal
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.entrypoints.http.responses import error, json_response
from backflow.app.runtime.wakeup import Nudge
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, Inbox, StoreOutcome

TRACKING_SOURCE = "rebound-tracking"
TRACKING_KIND = "tracking_update"
TRACKING_PATH = "/webhooks/rebound/tracking"
PUSH_PATH = "/events/rebound"


class Unauthenticated(Exception):
    """A missing or wrong credential (401); `reason` is safe to log and answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Authenticate = Callable[[Mapping[str, str], bytes], dict[str, str]]
"""The headers worth keeping with the inbox row, or `Unauthenticated` (`REBOUND_WEBHOOK_AUTH`)."""
TrackingKey = Callable[[bytes], str]
"""The update's content-derived dedupe key, or ValueError when the body is not a tracking update."""


class ParsedReboundPush(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    source_id: str
    kind: str
    body: bytes
    headers: dict[str, str] = {}


ReboundPushParser = Callable[[bytes, Mapping[str, str]], ParsedReboundPush]
"""ValueError when the body is not a Pub/Sub push of a ReBound notification."""


@dataclass(frozen=True)
class Intake:
    """What both endpoints share: storing, waking the processor, refusing, capturing."""

    inbox: Inbox
    clock: Clock
    wake: Nudge
    audit: IntakeAudit | None = None
    capture: Capture | None = None

    async def store(self, event: InboundEvent) -> web.Response:
        outcome = await self.inbox.store(event)
        if outcome is StoreOutcome.STORED:
            self.wake.nudge()
        status = 200 if outcome is StoreOutcome.DUPLICATE else 202
        return json_response(IntakeResult(event.source_id, outcome.value), status=status)

    async def quarantined(self, source: str, body: bytes, headers: dict[str, str], reason: str) -> None:
        await self.inbox.store(
            InboundEvent(
                source=source,
                source_id=f"sha256:{hashlib.sha256(body).hexdigest()}",
                kind="unknown",
                received_at=self.clock.now(),
                body=body,
                headers=headers,
                trace_ctx=inject_context(),
                quarantine_reason=reason[:500],
            )
        )
        self.wake.nudge()

    async def captured(self, request: web.Request, body: bytes, reason: str) -> None:
        if self.capture is not None:
            await self.capture.refused(request.path, request.headers, body, reason)

    def refuse(self, request: web.Request, source: str, status: int, code: str, message: str) -> web.Response:
        if self.audit is not None:
            self.audit.refused(source, code, peer=request.remote)
        return error(status, code, message)


@dataclass(frozen=True)
class TrackingIntake:
    intake: Intake
    authenticate: Authenticate
    dedupe_key: TrackingKey

    async def handle(self, request: web.Request) -> web.StreamResponse:
        intake = self.intake
        body = await read_body(request, MAX_BODY)
        if body is None:
            message = f"the body exceeds {MAX_BODY} bytes"
            return intake.refuse(request, TRACKING_SOURCE, 413, "body_too_large", message)
        try:
            kept = self.authenticate(request.headers, body)
        except Unauthenticated as failed:
            await intake.captured(request, body, failed.reason)
            return intake.refuse(request, TRACKING_SOURCE, 401, "unauthorized", failed.reason)
        try:
            key = self.dedupe_key(body)
        except ValueError as exc:
            reason = f"not a tracking update: {exc}"[:500]
            await intake.quarantined(TRACKING_SOURCE, body, kept, reason)
            return intake.refuse(request, TRACKING_SOURCE, 400, "invalid_tracking_update", reason)
        event = InboundEvent(
            source=TRACKING_SOURCE,
            source_id=key,
            kind=TRACKING_KIND,
            received_at=intake.clock.now(),
            body=body,
            headers=kept,
            trace_ctx=inject_context(),
        )
        return await intake.store(event)


@dataclass(frozen=True)
class ReboundPushIntake:
    intake: Intake
    check: PushCheck | None
    parse: ReboundPushParser

    async def handle(self, request: web.Request) -> web.StreamResponse:
        intake = self.intake
        body = await read_body(request, MAX_BODY)
        if body is None:
            message = f"the body exceeds {MAX_BODY} bytes"
            return intake.refuse(request, TRACKING_SOURCE, 413, "body_too_large", message)
        if self.check is not None:
            try:
                await self.check(request.headers, request.query)
            except PushRefusal as refused:
                if refused.status == 401:
                    await intake.captured(request, body, refused.reason)
                code = "unauthorized" if refused.status == 401 else "unavailable"
                return intake.refuse(request, TRACKING_SOURCE, refused.status, code, refused.reason)
        try:
            parsed = self.parse(body, request.headers)
        except ValueError as exc:
            reason = str(exc)[:500]
            await intake.quarantined(TRACKING_SOURCE, body, {}, reason)
            return intake.refuse(request, TRACKING_SOURCE, 400, "invalid_push", reason)
        event = InboundEvent(
            source=parsed.source,
            source_id=parsed.source_id,
            kind=parsed.kind,
            received_at=intake.clock.now(),
            body=parsed.body,
            headers=parsed.headers,
            trace_ctx=inject_context(),
        )
        response = await intake.store(event)
        # Pub/Sub treats 200-204 as an acknowledgement; 200 either way keeps it simple for the sender.
        response.set_status(200)
        return response
