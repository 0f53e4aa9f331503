"""Operational exceptions: problems a person owns (CX, finance, operations), not Python exceptions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol

import msgspec


class ExceptionState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class NewException(msgspec.Struct, frozen=True, kw_only=True):
    type: str
    """`orphan_return`, `refund_mismatch`, `restock_failed`, ..."""
    owner: str
    severity: Severity
    dedupe_key: str
    """Seeing the same problem again bumps the unresolved exception with this key instead of adding one."""
    return_id: str | None = None
    order_ref: str | None = None
    evidence: bytes = b"{}"
    """JSON: the figures and ids that show the problem."""


class ExceptionRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    type: str
    owner: str
    severity: Severity
    state: ExceptionState
    dedupe_key: str
    return_id: str | None
    order_ref: str | None
    evidence: bytes
    first_seen: datetime
    last_seen: datetime
    count: int
    changed_by: str | None
    changed_at: datetime | None
    note: str | None


class ExceptionEvent(msgspec.Struct, frozen=True, kw_only=True):
    exception_id: int
    at: datetime
    action: str
    """`raised`, `seen_again`, `acknowledged`, `resolved`, `reopened`, `retried`, `decided`, `reanchored`."""
    actor: str | None
    note: str | None


AlertReason = Literal["opened", "age_limit"]


class ExceptionRepository(Protocol):
    async def get(self, exception_id: int) -> ExceptionRecord | None: ...

    async def unresolved(self, *, owner: str | None = None, limit: int = 100) -> list[ExceptionRecord]: ...

    async def events(self, exception_id: int) -> list[ExceptionEvent]: ...

    def raise_exception(self, exception: NewException) -> None:
        """Stage: open a new exception, or count another sighting of the unresolved one with its key."""
        ...

    def change_state(self, exception_id: int, state: ExceptionState, *, actor: str, note: str | None) -> None:
        """Stage a state change by a person or an action; recorded in the exception's events."""
        ...

    def record_action(self, exception_id: int, action: str, *, actor: str, note: str | None) -> None:
        """Stage an event for an action that is not a state change (`reanchored`, `decided`)."""
        ...

    def resolve_key(self, dedupe_key: str, *, actor: str, note: str) -> None:
        """Stage resolving the unresolved exception with this key, if any (the problem went away)."""
        ...

    async def alert_candidates(
        self, *, opened_after: datetime, first_seen_before: datetime, limit: int
    ) -> list[tuple[ExceptionRecord, AlertReason]]:
        """Unresolved exceptions not alerted yet for a reason: `opened` (first seen after
        `opened_after`) and `age_limit` (first seen before `first_seen_before`)."""
        ...

    def mark_alerted(self, exception_id: int, reason: AlertReason) -> None:
        """Stage: this exception's alert for `reason` is queued (never queued again)."""
        ...
