"""The admin API's views built from port records (the structs themselves are in `views`)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from backflow.app.core.evidence import json_value
from backflow.app.core.exception_actions import allowed_actions
from backflow.app.entrypoints.http.views import (
    ExceptionAction,
    ExceptionEventView,
    ExceptionView,
    OutboxRowView,
    RefundView,
    ReturnSummary,
    TimelineEntryView,
)
from backflow.ports.exceptions import ExceptionEvent, ExceptionRecord
from backflow.ports.ledgers import Refund
from backflow.ports.outbox import OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.timeline import TimelineEntry


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
