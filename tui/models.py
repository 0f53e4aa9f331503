"""The admin API's responses as the TUI sees them: its own structs, decoupled from the daemon's code.

Unknown fields are ignored, so a newer daemon that adds fields does not break an older TUI; JSON
values whose shape varies (evidence, payloads, snapshots) stay plain Python values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class _View(msgspec.Struct, frozen=True, kw_only=True):
    pass


class QueueCounts(_View, frozen=True, kw_only=True):
    kind: str
    due: int
    scheduled: int
    retrying: int
    leased: int
    dead: int


class InboxCounts(_View, frozen=True, kw_only=True):
    pending: int
    failed: int
    quarantined: int
    oldest_pending_age_seconds: float | None


class SyncLag(_View, frozen=True, kw_only=True):
    synced: int
    pending: int
    failing: int
    lag_avg_seconds: float | None
    lag_p50_seconds: float | None = None
    lag_p95_seconds: float | None
    lag_max_seconds: float | None
    last_synced_at: datetime | None


class ActorStatus(_View, frozen=True, kw_only=True):
    name: str
    state: str
    restarts: int
    last_error: str | None
    mailbox_depth: int | None
    mailbox_capacity: int | None


class ApiStatus(_View, frozen=True, kw_only=True):
    name: str
    ready: bool
    calls: int
    errors: int
    recent_errors: int
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None


class Throughput(_View, frozen=True, kw_only=True):
    window_seconds: float
    completed: int


class CurrencyAmount(_View, frozen=True, kw_only=True):
    currency: str
    amount_minor: int


class ExceptionCount(_View, frozen=True, kw_only=True):
    owner: str
    type: str
    state: str
    count: int


class Shadow(_View, frozen=True, kw_only=True):
    enabled: bool
    writes: int


class RefusalCount(_View, frozen=True, kw_only=True):
    source: str
    reason: str
    count: int


class Intake(_View, frozen=True, kw_only=True):
    refused: list[RefusalCount] = []
    conflicts: int = 0


class Instance(_View, frozen=True, kw_only=True):
    instance: str
    role: str
    holder: str | None = None
    lease_until: datetime | None = None
    reason: str | None = None


class Overview(_View, frozen=True, kw_only=True):
    generated_at: datetime
    stopping: bool
    queues: list[QueueCounts]
    oldest_due_age_seconds: float | None
    throughput: Throughput
    inbox: InboxCounts
    actors: list[ActorStatus]
    apis: list[ApiStatus]
    pending_credit: list[CurrencyAmount]
    order_sync: SyncLag
    exceptions: list[ExceptionCount]
    shadow: Shadow
    intake: Intake | None = None
    """Absent from daemons older than the refusal counts."""
    instance: Instance | None = None
    """Absent from daemons older than the instance lease; shown only when this one does no work."""


class ExceptionItem(_View, frozen=True, kw_only=True):
    id: int
    type: str
    owner: str
    severity: str
    state: str
    return_id: str | None
    order_ref: str | None
    evidence: Any
    first_seen: datetime
    last_seen: datetime
    age_seconds: float
    count: int
    changed_by: str | None
    changed_at: datetime | None
    note: str | None
    actions: list[str]


class ExceptionEvent(_View, frozen=True, kw_only=True):
    at: datetime
    action: str
    actor: str | None
    note: str | None


class ExceptionList(_View, frozen=True, kw_only=True):
    items: list[ExceptionItem]
    count: int


class ExceptionDetail(_View, frozen=True, kw_only=True):
    exception: ExceptionItem
    events: list[ExceptionEvent]


class RetryResult(_View, frozen=True, kw_only=True):
    outbox_id: str
    duplicate: bool
    exception: ExceptionItem


class ReturnSummary(_View, frozen=True, kw_only=True):
    return_id: str
    client_order_id: str | None
    ct_order_id: str | None
    state: str
    last_sequence: int
    created_at: datetime
    updated_at: datetime


class ReturnList(_View, frozen=True, kw_only=True):
    items: list[ReturnSummary]


class TimelineEntry(_View, frozen=True, kw_only=True):
    at: datetime
    source: str
    action: str
    outcome: str
    detail: Any
    order_ref: str | None


class RefundRow(_View, frozen=True, kw_only=True):
    interaction_id: str
    amount_minor: int
    currency: str
    payment_id: str | None
    outcome: str
    state: str
    lines: Any


class StockMovement(_View, frozen=True, kw_only=True):
    marker: str
    sku: str
    supply_channel: str | None
    quantity: int
    item_id: str
    state: str
    applied_at: datetime | None = None
    disposition: str | None = None
    """ReBound's grading that sent the units here (SELLABLE, OUTLET, ...); None before it was recorded."""


class PendingCredit(_View, frozen=True, kw_only=True):
    currency: str
    amount_minor: int
    state: str
    posted_at: datetime | None = None
    released_at: datetime | None = None


class ReturnDetail(_View, frozen=True, kw_only=True):
    case: ReturnSummary
    snapshot: Any
    timeline_available: bool
    timeline: list[TimelineEntry]
    refunds: list[RefundRow]
    stock_movements: list[StockMovement]
    pending_credits: list[PendingCredit]


class OutboxRow(_View, frozen=True, kw_only=True):
    id: str
    kind: str
    status: str
    attempts: int
    idempotency_key: str
    available_at: datetime
    created_at: datetime
    last_error: str | None
    payload: Any


class OutboxEvent(_View, frozen=True, kw_only=True):
    at: datetime
    from_status: str | None
    to_status: str
    actor: str | None
    detail: str | None


class DeadLetterList(_View, frozen=True, kw_only=True):
    items: list[OutboxRow]


class DeadLetterDetail(_View, frozen=True, kw_only=True):
    row: OutboxRow
    history: list[OutboxEvent]


class RequeueResult(_View, frozen=True, kw_only=True):
    requeued: bool
    row: OutboxRow


class ApiErrorBody(_View, frozen=True, kw_only=True):
    code: str
    message: str


class ApiErrorResponse(_View, frozen=True, kw_only=True):
    error: ApiErrorBody
