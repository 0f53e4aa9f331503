"""Conversions between rows and port structs: times are REAL unix seconds, maps are JSON blobs."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import msgspec

from backflow.ports.exceptions import ExceptionEvent, ExceptionRecord, ExceptionState, Severity
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent
from backflow.ports.outbox import OutboxEvent, OutboxRow, OutboxStatus

_encode = msgspec.json.Encoder().encode
_decode_map = msgspec.json.Decoder(dict[str, str]).decode


def ts(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; the store takes timezone-aware times only")
    return value.timestamp()


def ts_or_none(value: datetime | None) -> float | None:
    return None if value is None else ts(value)


def dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def dt_or_none(value: float | None) -> datetime | None:
    return None if value is None else dt(value)


def encode_map(value: dict[str, str]) -> bytes:
    return _encode(value)


def decode_map(value: bytes) -> dict[str, str]:
    return _decode_map(value)


def outbox_row(row: sqlite3.Row) -> OutboxRow:
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


def outbox_event(row: sqlite3.Row) -> OutboxEvent:
    return OutboxEvent(
        outbox_id=row["outbox_id"],
        at=dt(row["at"]),
        from_status=None if row["from_status"] is None else OutboxStatus(row["from_status"]),
        to_status=OutboxStatus(row["to_status"]),
        actor=row["actor"],
        detail=row["detail"],
    )


def stored_inbound_event(row: sqlite3.Row) -> StoredInboundEvent:
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


def exception_record(row: sqlite3.Row) -> ExceptionRecord:
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


def exception_event(row: sqlite3.Row) -> ExceptionEvent:
    return ExceptionEvent(
        exception_id=row["exception_id"],
        at=dt(row["at"]),
        action=row["action"],
        actor=row["actor"],
        note=row["note"],
    )
