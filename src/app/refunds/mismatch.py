"""A refund ReBound proposed that the latest order does not support: nothing moves, finance decides."""

from __future__ import annotations

import msgspec

from backflow.app.core.cases import StoredCase, load, to_record
from backflow.app.core.deps import StoreDeps
from backflow.app.core.notes import note
from backflow.app.core.policies import RefundPolicy
from backflow.app.core.problems import raise_exception
from backflow.app.refunds.compare import Comparison
from backflow.domain.money import Money
from backflow.domain.order import Order
from backflow.domain.return_snapshot import RefundProposal
from backflow.domain.returns import Outcome, RefundRefused, transition
from backflow.ports.exceptions import Severity


def within_limit(
    limit: str, currency: str, backflow_total: str, rebound_total: str
) -> tuple[bool, Money, Money]:
    """Whether ReBound's amount may be approved under `limit` (policies.approve-rebound-amount-limit),
    the difference and the limit (both in the currency). Computed when the mismatch is recorded (the
    evidence's `allowed`) and again, with the limit then in force, when finance approves."""
    gap = Money.parse(rebound_total, currency) - Money.parse(backflow_total, currency)
    cap = Money.parse(limit, currency)
    magnitude = -gap if gap.is_negative else gap
    return magnitude.compare(cap) <= 0, gap, cap


def decision(limit: str, comparison: Comparison) -> dict[str, object]:
    """The choices the exceptions flow offers finance, with the figures each would pay (`limit`: the
    approve-ReBound limit in force)."""
    currency = comparison.currency
    within, gap, _ = within_limit(limit, currency, comparison.backflow_total, comparison.rebound_total)
    return {
        "options": [
            {"action": "approve_backflow", "amount": comparison.backflow_total, "currency": currency},
            {
                "action": "approve_rebound",
                "amount": comparison.rebound_total,
                "currency": currency,
                "allowed": within,
                "limit": limit,
            },
            {"action": "reject"},
        ],
        "difference": gap.to_decimal_string(),
    }


async def record_mismatch(
    stored: StoredCase,
    order: Order,
    *,
    proposal: RefundProposal,
    comparison: Comparison,
    retry: dict[str, object],
    store: StoreDeps,
    refund_policy: RefundPolicy,
) -> None:
    """`refund_mismatch` for finance with the figures and the choices, the case held: one unit of work."""
    rid = stored.case.return_id
    evidence: dict[str, object] = {
        "order_id": order.id,
        "order_version": order.version,
        "currency": comparison.currency,
        "milestone": proposal.milestone,
        "outcome": proposal.outcome,
        "lines": [
            {
                "line_id": line.line_id,
                "backflow": line.backflow,
                "rebound": line.rebound,
                "difference_minor": line.difference_minor,
            }
            for line in comparison.lines
        ],
        "backflow_total": comparison.backflow_total,
        "rebound_total": comparison.rebound_total,
        "rebound_currency": proposal.currency,
        "tolerance_minor": comparison.tolerance_minor,
        "decision": decision(refund_policy.approve_limit, comparison),
    }
    async with store.unit_of_work() as uow:
        record = await uow.returns.get(rid)
        raise_exception(
            uow,
            store,
            "refund_mismatch",
            dedupe_key=f"refund_mismatch:{rid}",
            severity=Severity.ERROR,
            return_id=rid,
            order_ref=order.id,
            evidence=evidence,
            retry=retry,
        )
        if record is not None:  # the case as committed now, not as read before the calls
            current = load(record)
            result = transition(current.case, RefundRefused(reason="refund_mismatch"))
            if result.outcome is Outcome.APPLIED and result.case != current.case:
                updated = msgspec.structs.replace(current, case=result.case)
                uow.returns.update(to_record(updated, record, store.clock.now()))
        note(
            uow,
            store,
            rid,
            source="backflow",
            action="refund compared with ReBound's proposal",
            outcome="exception",
            detail=evidence,
            order_ref=order.id,
        )
        await uow.commit()
