"""Finance's refund decisions: one per exception, never overwritten."""

from __future__ import annotations

import sqlite3

from backflow.adapters.sqlite.codec import dt
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.adapters.sqlite.staging import Staging
from backflow.ports.decisions import Decision, RefundDecision
from backflow.ports.errors import ConflictError


def decision(row: sqlite3.Row) -> RefundDecision:
    return RefundDecision(
        return_id=row["return_id"],
        sequence=row["sequence"],
        exception_id=row["exception_id"],
        decision=Decision(row["decision"]),
        currency=row["currency"],
        backflow_total_minor=row["backflow_total_minor"],
        rebound_total_minor=row["rebound_total_minor"],
        actor=row["actor"],
        note=row["note"],
        decided_at=dt(row["decided_at"]),
    )


class SqliteRefundDecisions:
    def __init__(self, readers: ReaderPool, staging: Staging) -> None:
        self._readers = readers
        self._staging = staging

    async def for_trigger(self, return_id: str, sequence: int) -> list[RefundDecision]:
        params = {"return_id": return_id, "sequence": sequence}
        return [decision(row) for row in await self._readers.fetchall(q("decisions_for_trigger"), params)]

    async def for_exception(self, exception_id: int) -> RefundDecision | None:
        row = await self._readers.fetchone(q("decision_for_exception"), {"exception_id": exception_id})
        return None if row is None else decision(row)

    def record(self, decision: RefundDecision) -> None:
        params = {
            "return_id": decision.return_id,
            "sequence": decision.sequence,
            "exception_id": decision.exception_id,
            "decision": decision.decision.value,
            "currency": decision.currency,
            "backflow_total_minor": decision.backflow_total_minor,
            "rebound_total_minor": decision.rebound_total_minor,
            "actor": decision.actor,
            "note": decision.note,
        }

        def insert(conn: sqlite3.Connection, now: float) -> None:
            if conn.execute(q("decision_record"), {**params, "now": now}).rowcount == 1:
                return
            known = conn.execute(q("decision_for_exception"), params).fetchone()
            if known is not None and known["decision"] != params["decision"]:
                raise ConflictError(
                    f"exception {decision.exception_id} was already decided: {known['decision']}",
                    current_version=None,
                )

        self._staging.add(insert)
