"""Rows of the outbox, inbox and exception log as port structs, given the engine's time and map decoders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from backflow.ports.exceptions import ExceptionEvent, ExceptionRecord, ExceptionState, Severity
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent
from backflow.ports.outbox import OutboxEvent, OutboxRow, OutboxStatus


class Row(Protocol):
    """A result row read by column name (sqlite3.Row, psycopg's dict rows)."""

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(frozen=True)
class RowDecoders:
    dt: Callable[[Any], datetime]
    decode_map: Callable[[Any], dict[str, str]]

    def dt_or_none(self, value: Any) -> datetime | None:
        return None if value is None else self.dt(value)

    def outbox_row(self, row: Row) -> OutboxRow:
        return OutboxRow(
            id=row["id"],
            kind=row["kind"],
            payload=bytes(row["payload"]),
            idempotency_key=row["idempotency_key"],
            status=OutboxStatus(row["status"]),
            attempts=row["attempts"],
            available_at=self.dt(row["available_at"]),
            created_at=self.dt(row["created_at"]),
            lease_owner=row["lease_owner"],
            lease_until=self.dt_or_none(row["lease_until"]),
            trace_ctx=self.decode_map(row["trace_ctx"]),
            last_error=row["last_error"],
            lock_key=row["lock_key"],
        )

    def outbox_event(self, row: Row) -> OutboxEvent:
        return OutboxEvent(
            outbox_id=row["outbox_id"],
            at=self.dt(row["at"]),
            from_status=None if row["from_status"] is None else OutboxStatus(row["from_status"]),
            to_status=OutboxStatus(row["to_status"]),
            actor=row["actor"],
            detail=row["detail"],
        )

    def stored_inbound_event(self, row: Row) -> StoredInboundEvent:
        event = InboundEvent(
            source=row["source"],
            source_id=row["source_id"],
            kind=row["kind"],
            received_at=self.dt(row["received_at"]),
            body=bytes(row["body"]),
            headers=self.decode_map(row["headers"]),
            trace_ctx=self.decode_map(row["trace_ctx"]),
            quarantine_reason=row["quarantine_reason"],
        )
        return StoredInboundEvent(
            seq=row["seq"],
            event=event,
            status=InboxStatus(row["status"]),
            attempts=row["attempts"],
            last_error=row["last_error"],
            processed_at=self.dt_or_none(row["processed_at"]),
        )

    def exception_record(self, row: Row) -> ExceptionRecord:
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
            first_seen=self.dt(row["first_seen"]),
            last_seen=self.dt(row["last_seen"]),
            count=row["count"],
            changed_by=row["changed_by"],
            changed_at=self.dt_or_none(row["changed_at"]),
            note=row["note"],
        )

    def exception_event(self, row: Row) -> ExceptionEvent:
        return ExceptionEvent(
            exception_id=row["exception_id"],
            at=self.dt(row["at"]),
            action=row["action"],
            actor=row["actor"],
            note=row["note"],
        )
