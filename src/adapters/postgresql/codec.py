"""Conversions between rows (dicts) and port structs.

The ports must return the same values from both stores: times come back as datetimes in
`datetime.UTC` (psycopg would attach the session's zone), maps as dict[str, str], bytes as bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from backflow.ports.exceptions import ExceptionEvent, ExceptionRecord, ExceptionState, Severity
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent
from backflow.ports.outbox import OutboxEvent, OutboxRow, OutboxStatus

Row = dict[str, Any]

_encode = msgspec.json.Encoder().encode


def ts(value: datetime) -> datetime:
    """A time to write; naive datetimes are refused, as the SQLite store refuses them."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; the store takes timezone-aware times only")
    return value


def ts_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else ts(value)


def dt(value: datetime) -> datetime:
    return value.astimezone(UTC)


def dt_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else dt(value)


def encode_map(value: dict[str, str]) -> str:
    return _encode(value).decode()


def decode_map(value: Any) -> dict[str, str]:
    """A json column as psycopg loads it, checked to be the str -> str map the port promises."""
    return msgspec.convert(value, dict[str, str])


def outbox_row(row: Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        kind=row["kind"],
        payload=bytes(row["payload"]),
        idempotency_key=row["idempotency_key"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        available_at=dt(row["available_at"]),
        created_at=dt(row["created_at"]),
        lease_owner=row["lease_owner"],
        lease_until=dt_or_none(row["lease_until"]),
        trace_ctx=decode_map(row["trace_ctx"]),
        last_error=row["last_error"],
        lock_key=row["lock_key"],
    )


def outbox_event(row: Row) -> OutboxEvent:
    return OutboxEvent(
        outbox_id=row["outbox_id"],
        at=dt(row["at"]),
        from_status=None if row["from_status"] is None else OutboxStatus(row["from_status"]),
        to_status=OutboxStatus(row["to_status"]),
        actor=row["actor"],
        detail=row["detail"],
    )


def stored_inbound_event(row: Row) -> StoredInboundEvent:
    event = InboundEvent(
        source=row["source"],
        source_id=row["source_id"],
        kind=row["kind"],
        received_at=dt(row["received_at"]),
        body=bytes(row["body"]),
        headers=decode_map(row["headers"]),
        trace_ctx=decode_map(row["trace_ctx"]),
        quarantine_reason=row["quarantine_reason"],
    )
    return StoredInboundEvent(
        seq=row["seq"],
        event=event,
        status=InboxStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        processed_at=dt_or_none(row["processed_at"]),
    )


def exception_record(row: Row) -> ExceptionRecord:
    return ExceptionRecord(
        id=row["id"],
        type=row["type"],
        owner=row["owner"],
        severity=Severity(row["severity"]),
        state=ExceptionState(row["state"]),
        dedupe_key=row["dedupe_key"],
        return_id=row["return_id"],
        order_ref=row["order_ref"],
        evidence=bytes(row["evidence"]),
        first_seen=dt(row["first_seen"]),
        last_seen=dt(row["last_seen"]),
        count=row["count"],
        changed_by=row["changed_by"],
        changed_at=dt_or_none(row["changed_at"]),
        note=row["note"],
    )


def exception_event(row: Row) -> ExceptionEvent:
    return ExceptionEvent(
        exception_id=row["exception_id"],
        at=dt(row["at"]),
        action=row["action"],
        actor=row["actor"],
        note=row["note"],
    )
