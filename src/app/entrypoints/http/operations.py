"""Every HTTP endpoint of the daemon as data: path, method, responses and body, for `openapi.py`.

A new endpoint gets its row here; the document and its schemas follow from the structs named."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from backflow.app.entrypoints.http import views
from backflow.app.entrypoints.http.health import Health, Readiness
from backflow.app.entrypoints.http.intake import IntakeResult
from backflow.app.entrypoints.http.responses import MAX_LIMIT, MAX_OFFSET
from backflow.app.entrypoints.http.views import ErrorResponse


@dataclass(frozen=True)
class Param:
    name: str
    where: str = "query"
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    responses: dict[int, type | None]
    body: type | None = None
    raw_body: str | None = None
    """A description of a body that is not one of our structs (the webhook, the push envelope)."""
    params: tuple[Param, ...] = ()
    secured: bool = True


_ID = Param("id", "path", description="The resource id.")
_EXCEPTION_ID = Param(
    "id",
    "path",
    schema={"type": "integer", "minimum": 1},
    description="The exception id, in canonical ASCII decimal digits (no sign, no leading zero).",
)
_STR = {"type": "string"}
_SECONDS = {"type": "number", "minimum": 0}


def _limit(default: int) -> Param:
    return Param(
        "limit",
        schema={"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": default},
        description=f"How many items at most, from 1 to {MAX_LIMIT} (default {default}); a larger "
        f"value is refused with 400: ask for the next page with `offset`. So: at most {MAX_LIMIT} "
        "items per call.",
    )


_OFFSET = Param(
    "offset",
    schema={"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
    description="How many matching items to skip first, for paging: ask again with offset + limit "
    "while a page comes back full.",
)
_ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/webhooks/rebound",
        "ReBound webhook: verified, stored, then answered",
        "intake",
        {200: None, 202: None, 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse},
        raw_body="A ReBound event envelope, authenticated as REBOUND_WEBHOOK_AUTH says (hmac by default).",
        secured=False,
    ),
    Operation(
        "post",
        "/webhooks/rebound/tracking",
        "ReBound tracking update as published: authenticated, stored, then answered",
        "intake",
        {200: IntakeResult, 202: IntakeResult, 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse},
        raw_body="{order, items}: a tracking update, authenticated as REBOUND_WEBHOOK_AUTH says.",
        secured=False,
    ),
    Operation(
        "post",
        "/events/rebound",
        "ReBound notification via Pub/Sub push (wrapped or unwrapped)",
        "intake",
        {200: IntakeResult, 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse, 503: ErrorResponse},
        raw_body="A Pub/Sub push of a tracking update or a ReBound event (Google's OIDC token if set).",
        params=(Param("token", description="The push token, when BACKFLOW_PUSH_TOKEN is set."),),
        secured=False,
    ),
    Operation(
        "post",
        "/events/commercetools",
        "commercetools subscription via Pub/Sub push",
        "intake",
        {200: IntakeResult, 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse, 503: ErrorResponse},
        raw_body="A Google Pub/Sub push envelope; data is a Platform or CloudEvents payload.",
        params=(Param("token", description="The push token, when BACKFLOW_PUSH_TOKEN is set."),),
        secured=False,
    ),
    Operation("get", "/healthz", "The process is alive", "health", {200: Health}, secured=False),
    Operation(
        "get",
        "/metrics",
        "Prometheus text exposition format: counts by low-cardinality labels, no token needed",
        "health",
        {200: None},
        secured=False,
    ),
    Operation(
        "get",
        "/readyz",
        "Database writable, actors running, APIs answering",
        "health",
        {200: Readiness, 503: Readiness},
        secured=False,
    ),
    Operation(
        "get",
        "/api/overview",
        "Queues, actors, APIs, liability, sync lag, exceptions",
        "admin",
        {200: views.Overview, **_ERRORS},
    ),
    Operation(
        "get",
        "/api/exceptions",
        "Exceptions, filtered",
        "admin",
        {200: views.ExceptionList, **_ERRORS},
        params=(
            Param("owner", schema={"enum": ["cx", "finance", "operations", "merchandising"]}),
            Param("type"),
            Param("state", schema={"enum": ["open", "acknowledged", "resolved", "any"]}),
            Param("min_age", schema=_SECONDS),
            Param("max_age", schema=_SECONDS),
            Param("order", schema={"enum": ["newest", "oldest"]}),
            _limit(100),
            _OFFSET,
        ),
    ),
    Operation(
        "get",
        "/api/exceptions/{id}",
        "One exception with its history",
        "admin",
        {200: views.ExceptionDetail, **_ERRORS},
        params=(_EXCEPTION_ID,),
    ),
    Operation(
        "post",
        "/api/exceptions/{id}/ack",
        "Acknowledge (idempotent)",
        "admin",
        {200: views.ExceptionDetail, 409: ErrorResponse, **_ERRORS},
        body=views.AckRequest,
        params=(_EXCEPTION_ID,),
    ),
    Operation(
        "post",
        "/api/exceptions/{id}/retry",
        "Queue evidence.retry again (idempotent while queued)",
        "admin",
        {200: views.RetryResult, 409: ErrorResponse, **_ERRORS},
        body=views.RetryRequest,
        params=(_EXCEPTION_ID,),
    ),
    Operation(
        "post",
        "/api/exceptions/{id}/resolve",
        "Resolve with a note (idempotent)",
        "admin",
        {200: views.ExceptionDetail, **_ERRORS},
        body=views.ResolveRequest,
        params=(_EXCEPTION_ID,),
    ),
    Operation(
        "post",
        "/api/exceptions/{id}/decide",
        "Decide a refund mismatch: approve_backflow, approve_rebound (within the limit) or reject",
        "admin",
        {200: views.ExceptionView, 409: ErrorResponse, **_ERRORS},
        body=views.DecideRequest,
        params=(_EXCEPTION_ID,),
    ),
    Operation(
        "post",
        "/api/exceptions/{id}/reanchor",
        "Re-anchor an orphan or mismatched return to an order number (validated, idempotent)",
        "admin",
        {200: views.ExceptionView, 409: ErrorResponse, **_ERRORS},
        body=views.ReanchorRequest,
        params=(_EXCEPTION_ID,),
    ),
    Operation(
        "get",
        "/api/returns",
        "Search by return id, order number or SKU",
        "admin",
        {200: views.ReturnList, **_ERRORS},
        params=(Param("query"), _limit(50), _OFFSET),
    ),
    Operation(
        "get",
        "/api/returns/{id}",
        "A return's case, timeline and ledger rows",
        "admin",
        {200: views.ReturnDetail, **_ERRORS},
        params=(_ID,),
    ),
    Operation(
        "get",
        "/api/dead-letters",
        "Dead outbox rows",
        "admin",
        {200: views.DeadLetterList, **_ERRORS},
        params=(_limit(100), _OFFSET),
    ),
    Operation(
        "get",
        "/api/dead-letters/{id}",
        "A dead row's payload, error and history",
        "admin",
        {200: views.DeadLetterDetail, 409: ErrorResponse, **_ERRORS},
        params=(_ID,),
    ),
    Operation(
        "post",
        "/api/dead-letters/{id}/requeue",
        "Put a dead row back in the queue",
        "admin",
        {200: views.RequeueResult, 409: ErrorResponse, **_ERRORS},
        params=(_ID,),
    ),
    Operation("get", "/api/openapi.json", "This document", "admin", {200: None}, secured=False),
)
