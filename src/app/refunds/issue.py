"""Issue a refund: gated on the warehouse receipt, recomputed from the latest order and the ledger
(`compare`), then either held for finance (`mismatch`) or paid and recorded (`settle`), once per
interaction id. This module reads; the one that follows writes."""

from __future__ import annotations

from backflow.app.core.cases import read_case
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import decode_payload
from backflow.app.core.notes import note_now
from backflow.app.core.policies import RefundPolicy
from backflow.app.core.problems import retry_action
from backflow.app.core.refund_ledger import recorded_refunds
from backflow.app.refunds.compare import Mismatch, Pay, RefundFacts, Refused, assess
from backflow.app.refunds.mismatch import record_mismatch
from backflow.app.refunds.settle import fail_refund, settle_refund
from backflow.domain.commands import IssueRefund
from backflow.domain.return_case import CaseItem, Position
from backflow.ports.commerce import CommercePort
from backflow.ports.outbox import OutboxRow
from backflow.ports.unit_of_work import UnitOfWorkFactory

PAYABLE = (Position.REFUND_PENDING, Position.HELD_FOR_FINANCE, Position.REFUNDED)


def units_due(items: tuple[CaseItem, ...], early: bool) -> list[tuple[CaseItem, int]]:
    """Units not refunded yet: received ones, or expected ones when the milestone pays early."""
    due = []
    for item in items:
        base = item.quantity_expected if early else item.quantity_received
        if item.line_id and base - item.refunded_quantity > 0:
            due.append((item, base - item.refunded_quantity))
    return due


async def issue_refund(
    row: OutboxRow, *, store: StoreDeps, commerce: CommercePort, refund_policy: RefundPolicy
) -> RowCompleted | None:
    command = decode_payload(row, IssueRefund)
    rid = command.return_id
    with store.tracer.start_as_current_span("issue_refund", attributes={"return.id": rid}):
        stored = await read_case(store, rid)
        if stored is None:
            return None
        case = stored.case
        proposal = stored.snapshot.refund if stored.snapshot else None
        if case.position not in PAYABLE or case.order_id is None or proposal is None:
            return await note_now(
                store,
                rid,
                completing=row,
                source="backflow",
                action="refund",
                outcome="skipped",
                detail={"position": case.position, "proposal": proposal is not None},
            )
        due = units_due(case.items, proposal.milestone in refund_policy.early_milestones)
        if not due:
            return await note_now(
                store,
                rid,
                completing=row,
                source="backflow",
                action="refund",
                outcome="held",
                detail={"reason": "no received units to refund yet", "milestone": proposal.milestone},
                order_ref=case.order_id,
            )
        with store.tracer.start_as_current_span("issue_refund.fetch_order"):
            # The latest: never cached figures; its payment comes with it (one read, not two).
            order, payment = await commerce.get_order_and_payment(case.order_id)
        facts = await _ledger(
            store.unit_of_work, order.id, command
        )  # read after the order, just before paying
        verdict = assess(
            order, proposal, due, facts, return_id=rid, sequence=command.sequence, refund_policy=refund_policy
        )
        retry = retry_action(command, row.idempotency_key)
        if isinstance(verdict, Pay):
            return await settle_refund(
                verdict.plan,
                stored,
                order,
                payment,
                attempts=row.attempts,
                retry=retry,
                store=store,
                commerce=commerce,
                refund_policy=refund_policy,
                completing=row,
            )
        if isinstance(verdict, Mismatch):
            await record_mismatch(
                stored,
                order,
                proposal=proposal,
                comparison=verdict.comparison,
                retry=retry,
                store=store,
                refund_policy=refund_policy,
            )
        elif isinstance(verdict, Refused):
            await fail_refund(store, rid, order, verdict.detail, retry)
        else:  # rejected by finance
            return await note_now(
                store,
                rid,
                completing=row,
                source="backflow",
                action="refund",
                outcome="rejected by finance",
                detail={"sequence": command.sequence, "actor": verdict.actor},
                order_ref=order.id,
            )
        return None  # a mismatch or a refusal: recorded in units of their own, the row completed after


async def _ledger(unit_of_work: UnitOfWorkFactory, order_id: str, command: IssueRefund) -> RefundFacts:
    async with unit_of_work() as reads:
        return RefundFacts(
            order_refunds=await recorded_refunds(reads, order_id),
            this_return=await reads.refunds.for_return(command.return_id),
            decisions=await reads.decisions.for_trigger(command.return_id, command.sequence),
        )
