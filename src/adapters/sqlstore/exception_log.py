"""Operational exceptions: the reads, alerts and parameters both engines share.

Raising, state changes and recorded actions stay with each engine: their staged writes read
back and branch on the unit's own connection (sync on SQLite's writer, async on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.sqlstore.dialect import Repository
from backflow.ports.exceptions import (
    AlertReason,
    ExceptionEvent,
    ExceptionRecord,
    ExceptionState,
    NewException,
)

ACTIONS = {
    ExceptionState.OPEN: "reopened",
    ExceptionState.ACKNOWLEDGED: "acknowledged",
    ExceptionState.RESOLVED: "resolved",
}
"""The history action written when an exception moves to a state."""


def raise_params(exception: NewException) -> dict[str, object]:
    return {
        "type": exception.type,
        "owner": exception.owner,
        "severity": exception.severity.value,
        "dedupe_key": exception.dedupe_key,
        "return_id": exception.return_id,
        "order_ref": exception.order_ref,
        "evidence": exception.evidence,
    }


class ExceptionReads(Repository):
    async def get(self, exception_id: int) -> ExceptionRecord | None:
        row = await self._key_one("exception_get", {"id": exception_id})
        return None if row is None else self.dialect.rows.exception_record(row)

    async def unresolved(self, *, owner: str | None = None, limit: int = 100) -> list[ExceptionRecord]:
        rows = await self._all("exception_unresolved", {"owner": owner, "limit": limit})
        return [self.dialect.rows.exception_record(row) for row in rows]

    async def events(self, exception_id: int) -> list[ExceptionEvent]:
        rows = await self._all("exception_events", {"exception_id": exception_id})
        return [self.dialect.rows.exception_event(row) for row in rows]

    async def alert_candidates(
        self, *, opened_after: datetime, first_seen_before: datetime, limit: int
    ) -> list[tuple[ExceptionRecord, AlertReason]]:
        ts, record = self.dialect.ts, self.dialect.rows.exception_record
        opened = await self._all("exception_alert_opened", {"opened_after": ts(opened_after), "limit": limit})
        aged = await self._all(
            "exception_alert_aged", {"first_seen_before": ts(first_seen_before), "limit": limit}
        )
        found: list[tuple[ExceptionRecord, AlertReason]] = [(record(r), "opened") for r in opened]
        found += [(record(r), "age_limit") for r in aged]
        return found

    def mark_alerted(self, exception_id: int, reason: AlertReason) -> None:
        self._stage("exception_mark_alerted", {"exception_id": exception_id, "reason": reason})
