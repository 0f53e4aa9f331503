"""The admin API's response shapes (also the OpenAPI schemas) and conversions from port records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

import msgspec

from backflow.app.core.evidence import json_value
from backflow.app.core.exception_actions import allowed_actions
from backflow.app.entrypoints.http.intake_audit import IntakeView
from backflow.ports.admin import InboxCounts, QueueCounts, SyncLagStats
from backflow.ports.exceptions import ExceptionEvent, ExceptionRecord
from backflow.ports.ledgers import PendingCredit, Refund, StockMovement
from backflow.ports.monitor import ExceptionCount
from backflow.ports.outbox import OutboxEvent, OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.timeline import TimelineEntry

JsonValue = msgspec.Raw | str


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


def exception_view(record: ExceptionRecord, now: datetime) -> ExceptionView:
    actions = cast(list[ExceptionAction], allowed_actions(record))
    return ExceptionView(
        id=record.id,
        type=record.type,
        owner=record.owner,
        severity=record.severity,
        state=record.state,
        dedupe_key=record.dedupe_key,
        return_id=record.return_id,
        order_ref=record.order_ref,
        evidence=json_value(record.evidence),
        first_seen=record.first_seen,
        last_seen=record.last_seen,
        age_seconds=max((now - record.first_seen).total_seconds(), 0.0),
        count=record.count,
        changed_by=record.changed_by,
        changed_at=record.changed_at,
        note=record.note,
        actions=actions,
    )


def event_view(event: ExceptionEvent) -> ExceptionEventView:
    return ExceptionEventView(at=event.at, action=event.action, actor=event.actor, note=event.note)


def return_summary(record: ReturnCaseRecord) -> ReturnSummary:
    return ReturnSummary(
        return_id=record.return_id,
        client_order_id=record.client_order_id,
        ct_order_id=record.ct_order_id,
        state=record.state,
        last_sequence=record.last_sequence,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def outbox_view(row: OutboxRow) -> OutboxRowView:
    return OutboxRowView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        attempts=row.attempts,
        idempotency_key=row.idempotency_key,
        available_at=row.available_at,
        created_at=row.created_at,
        last_error=row.last_error,
        payload=json_value(row.payload),
    )


def timeline_view(entry: TimelineEntry) -> TimelineEntryView:
    return TimelineEntryView(
        at=entry.at,
        source=entry.source,
        action=entry.action,
        outcome=entry.outcome,
        detail=json_value(entry.detail),
        order_ref=entry.order_ref,
    )


def refund_view(refund: Refund) -> RefundView:
    return RefundView(
        interaction_id=refund.interaction_id,
        amount_minor=refund.amount_minor,
        currency=refund.currency,
        payment_id=refund.payment_id,
        outcome=refund.outcome,
        state=refund.state,
        lines=json_value(refund.lines),
    )
