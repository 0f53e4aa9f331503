"""Finance's refund decisions: one per exception, never overwritten."""

from __future__ import annotations

from backflow.adapters.sqlstore.dialect import Dialect, Repository, Row
from backflow.ports.decisions import Decision, RefundDecision
from backflow.ports.errors import ConflictError


def decision(row: Row, d: Dialect) -> RefundDecision:
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
        decided_at=d.dt(row["decided_at"]),
    )


def decision_params(decision: RefundDecision) -> dict[str, object]:
    return {
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


def check_not_decided_otherwise(known: Row | None, params: dict[str, object]) -> None:
    """After an insert that did nothing: the same decision again is fine, a different one is a conflict."""
    if known is not None and known["decision"] != params["decision"]:
        raise ConflictError(
            f"exception {params['exception_id']} was already decided: {known['decision']}",
            current_version=None,
        )


class RefundDecisions(Repository):
    """Reads shared; `record` is the engine's, as its staged write checks the insert on its connection."""

    async def for_trigger(self, return_id: str, sequence: int) -> list[RefundDecision]:
        params = {"return_id": return_id, "sequence": sequence}
        return [decision(row, self.dialect) for row in await self._key_all("decisions_for_trigger", params)]

    async def for_exception(self, exception_id: int) -> RefundDecision | None:
        row = await self._key_one("decision_for_exception", {"exception_id": exception_id})
        return None if row is None else decision(row, self.dialect)
