"""Finance's decisions on refund mismatches: one per exception, honoured by the refund flow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec


class Decision(StrEnum):
    APPROVE_BACKFLOW = "approve_backflow"
    APPROVE_REBOUND = "approve_rebound"
    REJECT = "reject"


class RefundDecision(msgspec.Struct, frozen=True, kw_only=True):
    return_id: str
    sequence: int
    """The refund trigger (ReBound's sequence) the decision is about."""
    exception_id: int
    decision: Decision
    currency: str
    backflow_total_minor: int
    rebound_total_minor: int
    """Both figures as finance saw them: a refund whose figures changed since does not use it."""
    actor: str
    note: str | None = None
    decided_at: datetime | None = None


class RefundDecisions(Protocol):
    async def for_trigger(self, return_id: str, sequence: int) -> list[RefundDecision]:
        """Every decision on this refund trigger, oldest first (a new mismatch may be decided anew)."""
        ...

    async def for_exception(self, exception_id: int) -> RefundDecision | None: ...

    def record(self, decision: RefundDecision) -> None:
        """Stage the decision; the commit raises ConflictError if the exception was decided otherwise."""
        ...
