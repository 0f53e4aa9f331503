"""Inbound events: the commercetools Pub/Sub push endpoint, and the ReBound webhook's nudge.

`POST /events/commercetools` answers 2xx only once the message is durably in the inbox (Pub/Sub then
stops redelivering); a body that is not a push envelope is kept, quarantined, and answered 400.
The parser comes from the commercetools adapter through the composition root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import msgspec
from aiohttp import web

from backflow.app.core.tracing import inject_context
from backflow.app.entrypoints.http.body import MAX_BODY, read_body
from backflow.app.entrypoints.http.deps import Handler
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.entrypoints.http.responses import error, json_response
from backflow.app.runtime.wakeup import Nudge
from backflow.ports.clock import Clock
from backflow.ports.inbox import InboundEvent, Inbox, StoreOutcome

SOURCE = "commercetools"


class ParsedPush(msgspec.Struct, frozen=True, kw_only=True):
    source_id: str
    """The commercetools message id (the dedupe key), or the Pub/Sub id for change notifications."""
    kind: str
    """The message type (`OrderCreated`, ...) or the notification type."""
    body: bytes
    """The commercetools payload JSON, verbatim."""


PushParser = Callable[[bytes], ParsedPush]
"""Raises `ValueError` when the body is not a push envelope carrying a commercetools notification."""


class PushRefusal(Exception):
    """`status` is 401 (credentials) or 503 (Google's certificates cannot be had just now)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


PushCheck = Callable[[Mapping[str, str], Mapping[str, str]], Awaitable[None]]
"""Checks a push's headers and query (push token, Google OIDC); raises `PushRefusal`."""


class IntakeResult(msgspec.Struct, frozen=True):
    id: str
    outcome: str


@dataclass(frozen=True)
class PushIntake:
    inbox: Inbox
    parse: PushParser
    clock: Clock
    wake: Nudge
    check: PushCheck | None = None
    """None: pushes are not authenticated (no push token, no OIDC configured)."""
    audit: IntakeAudit | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.check is not None:
            try:
                await self.check(request.headers, request.query)
            except PushRefusal as refused:
                code = "unauthorized" if refused.status == 401 else "unavailable"
                return self._refuse(request, refused.status, code, refused.reason)
        body = await read_body(request, MAX_BODY)
        if body is None:
            return self._refuse(request, 413, "body_too_large", f"the body exceeds {MAX_BODY} bytes")
        trace_ctx = inject_context()
        try:
            parsed = self.parse(body)
        except ValueError as exc:
            reason = f"not a Pub/Sub push envelope: {exc}"[:500]
            await self.inbox.store(
                InboundEvent(
                    source=SOURCE,
                    source_id=f"sha256:{hashlib.sha256(body).hexdigest()}",
                    kind="unknown",
                    received_at=self.clock.now(),
                    body=body,
                    trace_ctx=trace_ctx,
                    quarantine_reason=reason,
                )
            )
            self.wake.nudge()
            return self._refuse(request, 400, "invalid_push", reason)
        outcome = await self.inbox.store(
            InboundEvent(
                source=SOURCE,
                source_id=parsed.source_id,
                kind=parsed.kind,
                received_at=self.clock.now(),
                body=parsed.body,
                trace_ctx=trace_ctx,
            )
        )
        if outcome is StoreOutcome.STORED:
            self.wake.nudge()
        if self.audit is not None:
            self.audit.accepted(SOURCE, outcome.value)
        return json_response(IntakeResult(parsed.source_id, outcome.value), status=200)

    def _refuse(self, request: web.Request, status: int, code: str, message: str) -> web.Response:
        """The error answer; the reason (the code, never the token) is logged and counted."""
        if self.audit is not None:
            self.audit.refused(SOURCE, code, peer=request.remote)
        return error(status, code, message)


def nudging(handler: Handler, wake: Nudge) -> Handler:
    """The adapter's webhook handler, waking the inbox processor after an accepted delivery."""

    async def handle(request: web.Request) -> web.StreamResponse:
        response = await handler(request)
        if response.status < 300:
            wake.nudge()
        return response

    return handle
