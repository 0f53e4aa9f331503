"""Decide a refund mismatch: pay Backflow's figure, pay ReBound's (within the configured limit), or
reject the refund.

The decision is recorded once per exception, in the same unit of work that resolves the
exception and queues what follows, so the money moves exactly once through the refund flow (which
honours the decision, keyed by the trigger's interaction id) or, on reject, ReBound hears
REFUND_REJECTED, the items become NotRefunded and the pending credit is released.
"""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.cases import load, to_record
from backflow.app.core.deps import StoreDeps
from backflow.app.core.exception_actions import ActionRefused, Refusal, clean_note, commit_or_404
from backflow.app.core.messages import RejectRefund, outbox_message
from backflow.app.core.notes import note as timeline_note
from backflow.app.core.policies import RefundPolicy
from backflow.app.refunds.mismatch import within_limit
from backflow.domain.commands import IssueRefund
from backflow.domain.errors import DomainError
from backflow.domain.money import Money
from backflow.domain.return_case import Position
from backflow.domain.returns import Outcome, RefundRefused, transition
from backflow.ports.decisions import Decision, RefundDecision
from backflow.ports.errors import ConflictError
from backflow.ports.exceptions import ExceptionRecord, ExceptionState
from backflow.ports.unit_of_work import UnitOfWork


class _Trigger(msgspec.Struct, frozen=True):
    return_id: str
    sequence: int


class _Retry(msgspec.Struct, frozen=True):
    payload: _Trigger


class MismatchEvidence(msgspec.Struct, frozen=True):
    currency: str
    backflow_total: str
    rebound_total: str
    rebound_currency: str | None = None
    retry: _Retry | None = None


def mismatch_evidence(record: ExceptionRecord) -> MismatchEvidence:
    try:
        found = msgspec.json.decode(record.evidence, type=MismatchEvidence)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ActionRefused(
            Refusal.CONFLICT, "not_decidable", f"exception {record.id} has no refund figures"
        ) from exc
    if found.retry is None:
        raise ActionRefused(
            Refusal.CONFLICT, "not_decidable", f"exception {record.id} names no refund trigger"
        )
    return found


async def decide_refund(
    exception_id: int,
    decision: str,
    *,
    actor: str,
    note: str | None,
    store: StoreDeps,
    refund_policy: RefundPolicy,
) -> ExceptionRecord:
    try:
        choice = Decision(decision)
    except ValueError:
        allowed = ", ".join(d.value for d in Decision)
        raise ActionRefused(
            Refusal.INVALID, "invalid_decision", f"decision must be one of {allowed}"
        ) from None
    async with store.unit_of_work() as reads:
        record = await _exception(reads, exception_id)
        earlier = await reads.decisions.for_exception(record.id)
    if record.type != "refund_mismatch" or record.return_id is None:
        raise ActionRefused(
            Refusal.CONFLICT, "not_decidable", f"a {record.type} exception takes no refund decision"
        )
    evidence = mismatch_evidence(record)
    assert evidence.retry is not None
    trigger = evidence.retry.payload
    if earlier is not None:
        if earlier.decision is choice:
            return record  # the same decision again: already done
        raise ActionRefused(
            Refusal.CONFLICT, "already_decided", f"this refund was already decided: {earlier.decision}"
        )
    if record.state == ExceptionState.RESOLVED:
        raise ActionRefused(
            Refusal.CONFLICT, "already_resolved", "the exception was resolved without a decision"
        )
    try:
        backflow = Money.parse(evidence.backflow_total, evidence.currency)
        rebound = Money.parse(evidence.rebound_total, evidence.currency)
    except DomainError as exc:
        raise ActionRefused(Refusal.CONFLICT, "not_decidable", f"the figures cannot be read: {exc}") from exc
    if choice is Decision.APPROVE_REBOUND:
        _check_rebound_approvable(refund_policy.approve_limit, evidence)
    text = clean_note(note)
    async with store.unit_of_work() as uow:
        uow.decisions.record(
            RefundDecision(
                return_id=trigger.return_id,
                sequence=trigger.sequence,
                exception_id=record.id,
                decision=choice,
                currency=evidence.currency,
                backflow_total_minor=backflow.minor_units,
                rebound_total_minor=rebound.minor_units,
                actor=actor,
                note=text,
            )
        )
        summary = f"decided {choice.value}" + (f": {text}" if text else "")
        uow.exceptions.record_action(record.id, "decided", actor=actor, note=summary)
        uow.exceptions.change_state(record.id, ExceptionState.RESOLVED, actor=actor, note=summary)
        if choice is Decision.REJECT:
            await _stage_reject(uow, store, trigger, evidence.currency)
        else:
            command = IssueRefund(return_id=trigger.return_id, sequence=trigger.sequence)
            key = keys.refund_key(trigger.return_id, trigger.sequence) + "#decided"
            uow.outbox.add(outbox_message(command, key, lock_key=await _order_lock(uow, trigger.return_id)))
        timeline_note(
            uow,
            store,
            trigger.return_id,
            source="person",
            action=f"refund mismatch decided: {choice.value}",
            outcome="ok",
            detail={"actor": actor, "note": text, "exception_id": record.id, "sequence": trigger.sequence},
            order_ref=record.order_ref,
        )
        try:
            await commit_or_404(uow)
        except ConflictError as exc:  # decided concurrently by someone else
            raise ActionRefused(Refusal.CONFLICT, "already_decided", str(exc)) from exc
    async with store.unit_of_work() as reads:
        return await _exception(reads, exception_id)


async def _exception(uow: UnitOfWork, exception_id: int) -> ExceptionRecord:
    record = await uow.exceptions.get(exception_id)
    if record is None:
        raise ActionRefused(Refusal.NOT_FOUND, "not_found", f"no exception {exception_id}")
    return record


def _check_rebound_approvable(limit: str, evidence: MismatchEvidence) -> None:
    if evidence.rebound_currency not in (None, evidence.currency):
        raise ActionRefused(
            Refusal.CONFLICT,
            "currency_differs",
            f"ReBound proposed {evidence.rebound_currency}, the order is in {evidence.currency}: "
            "its amount cannot be approved",
        )
    allowed, gap, cap = within_limit(
        limit,
        evidence.currency,
        evidence.backflow_total,
        evidence.rebound_total,
    )
    if not allowed:
        raise ActionRefused(
            Refusal.CONFLICT,
            "over_limit",
            f"ReBound's amount differs from Backflow's by {gap.to_decimal_string()} {evidence.currency}, "
            f"more than the {cap.to_decimal_string()} {evidence.currency} a person may approve "
            "(policies.approve-rebound-amount-limit); approve Backflow's amount or reject",
        )


async def _stage_reject(uow: UnitOfWork, store: StoreDeps, trigger: _Trigger, currency: str) -> None:
    record = await uow.returns.get(trigger.return_id)
    if record is not None:
        stored = load(record)
        if stored.case.position is Position.REFUND_PENDING:
            result = transition(stored.case, RefundRefused(reason="rejected by finance"))
            if result.outcome is Outcome.APPLIED:
                updated = msgspec.structs.replace(stored, case=result.case)
                uow.returns.update(to_record(updated, record, store.clock.now()))
    uow.credits.release(trigger.return_id, currency)  # nothing is owed any more
    command = RejectRefund(return_id=trigger.return_id, sequence=trigger.sequence)
    key, lock = f"reject:{trigger.return_id}:{trigger.sequence}", await _order_lock(uow, trigger.return_id)
    uow.outbox.add(outbox_message(command, key, lock_key=lock))


async def _order_lock(uow: UnitOfWork, return_id: str) -> str | None:
    """The order the refund job is serialised on, like every refund of that order."""
    record = await uow.returns.get(return_id)
    return (
        None if record is None or record.client_order_id is None else keys.order_lock(record.client_order_id)
    )
