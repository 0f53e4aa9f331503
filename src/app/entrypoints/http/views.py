"""The admin API's request and response shapes: the OpenAPI schemas, and what the TUI decodes.

Pure structs (msgspec, the standard library and port types, nothing else) so that the TUI can import
this one module of the daemon's code; the conversions from port records are in `view_builders`.
Decoding ignores unknown fields, so an older TUI still reads a newer daemon's answers; a new value
of a closed set (an exception action, an outbox or ledger state) is refused by it: add with care.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from backflow.ports.admin import InboxCounts, QueueCounts, SyncLagStats
from backflow.ports.ledgers import PendingCredit, StockMovement
from backflow.ports.monitor import ExceptionCount
from backflow.ports.outbox import OutboxEvent

JsonValue = Any | str
"""Stored JSON, sent as it is (`msgspec.Raw`), or a lossy string when the bytes were not JSON; decoded
(by the TUI) as plain Python values. `Any | str`, not `Any`: the schema keeps saying "or a string"."""


class ErrorBody(msgspec.Struct, frozen=True):
    code: str
    message: str


class ErrorResponse(msgspec.Struct, frozen=True):  # the one error shape of every endpoint
    error: ErrorBody


class RefusalCount(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    """`rebound` (the webhook) or `commercetools` (the push endpoint)."""
    reason: str
    """`signature_mismatch`, `timestamp_outside_tolerance`, `body_too_large`, `unauthorized`, ..."""
    count: int


class IntakeView(msgspec.Struct, frozen=True, kw_only=True):
    since: datetime
    """Counted since this moment (the daemon's start)."""
    refused: list[RefusalCount]
    conflicts: int
    """Event ids delivered again with a different body (each also an `event_conflict` exception)."""


class ActorView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    state: str
    restarts: int
    last_error: str | None
    last_error_at: datetime | None
    started_at: datetime | None
    mailbox_depth: int | None
    mailbox_capacity: int | None


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    interval_seconds: float
    runs: int
    failures: int
    running: bool
    last_started_at: datetime | None
    last_duration_seconds: float | None
    last_error: str | None


class ApiView(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    ready: bool
    calls: int
    errors: int
    recent_errors: int
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None


class Throughput(msgspec.Struct, frozen=True, kw_only=True):
    window_seconds: float
    completed: int


class CurrencyAmount(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    amount_minor: int


class ShadowView(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool
    writes: int


class InstanceView(msgspec.Struct, frozen=True, kw_only=True):
    """Whether this daemon works on the database (SQLite: it holds the lease) or stands by."""

    instance: str
    role: str
    """`active`, `standby`, `starting`, `lost`, or `shared` (PostgreSQL: no lease, replicas share work)."""
    holder: str | None
    lease_until: datetime | None
    term: int | None
    reason: str | None
    """Why this instance does no work, if it does none (a standby: who holds the lease until when)."""


class Overview(msgspec.Struct, frozen=True, kw_only=True):
    generated_at: datetime
    stopping: bool
    queues: list[QueueCounts]
    oldest_due_age_seconds: float | None
    throughput: Throughput
    inbox: InboxCounts
    actors: list[ActorView]
    jobs: list[JobView]
    apis: list[ApiView]
    pending_credit: list[CurrencyAmount]
    order_sync: SyncLagStats
    exceptions: list[ExceptionCount]
    shadow: ShadowView
    intake: IntakeView
    """Requests the intake endpoints refused, by reason, and event-id conflicts, since the start."""
    instance: InstanceView


ExceptionAction = Literal["ack", "retry", "resolve", "decide", "reanchor"]


class ExceptionView(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    type: str
    owner: str
    severity: str
    state: str
    dedupe_key: str
    return_id: str | None
    order_ref: str | None
    evidence: JsonValue
    first_seen: datetime
    last_seen: datetime
    age_seconds: float
    count: int
    changed_by: str | None
    changed_at: datetime | None
    note: str | None
    actions: list[ExceptionAction]


class ExceptionEventView(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    action: str
    actor: str | None
    note: str | None


class ExceptionList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ExceptionView]
    count: int


class ExceptionDetail(msgspec.Struct, frozen=True, kw_only=True):
    exception: ExceptionView
    events: list[ExceptionEventView]


class RetryResult(msgspec.Struct, frozen=True, kw_only=True):
    outbox_id: str
    duplicate: bool
    """True when the retry was already queued (same key, still live): nothing new was added."""
    exception: ExceptionView


class ReturnSummary(msgspec.Struct, frozen=True, kw_only=True):
    return_id: str
    client_order_id: str | None
    ct_order_id: str | None
    state: str
    last_sequence: int
    created_at: datetime
    updated_at: datetime


class ReturnList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[ReturnSummary]


class TimelineEntryView(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime
    source: str
    action: str
    outcome: str
    detail: JsonValue
    order_ref: str | None


class RefundView(msgspec.Struct, frozen=True, kw_only=True):
    interaction_id: str
    amount_minor: int
    currency: str
    payment_id: str | None
    outcome: str
    state: str
    lines: JsonValue


class ReturnDetail(msgspec.Struct, frozen=True, kw_only=True):
    case: ReturnSummary
    snapshot: JsonValue
    timeline_available: bool
    """False until a timeline store is wired in (then `timeline` is always the stored one)."""
    timeline: list[TimelineEntryView]
    refunds: list[RefundView]
    stock_movements: list[StockMovement]
    pending_credits: list[PendingCredit]


class OutboxRowView(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    status: str
    attempts: int
    idempotency_key: str
    available_at: datetime
    created_at: datetime
    last_error: str | None
    payload: JsonValue


class DeadLetterList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OutboxRowView]


class DeadLetterDetail(msgspec.Struct, frozen=True, kw_only=True):
    row: OutboxRowView
    history: list[OutboxEvent]


class RequeueResult(msgspec.Struct, frozen=True, kw_only=True):
    requeued: bool
    row: OutboxRowView


class AckRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: str | None = None


class ResolveRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: str


class RetryRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    note: str | None = None


class DecideRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["approve_backflow", "approve_rebound", "reject"]
    note: str | None = None


class ReanchorRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    order_number: str
    note: str | None = None
