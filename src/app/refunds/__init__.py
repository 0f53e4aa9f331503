"""Refunds: a refund trigger followed to the money in commercetools, each module visited once, in order.

The path of an `IssueRefund` outbox row (the `refund` actor):

1. `issue.issue_refund` reads: the return case (unit of work 1, read-only) and its gates (a payable
   position, ReBound's proposal, the warehouse receipt unless the milestone pays early: otherwise a
   timeline entry and stop), the latest order from commercetools, then the ledger's facts for the
   order and this trigger (unit of work 2, read-only: the order's recorded refunds, this return's
   rows, finance's decisions). Reading the ledger after the order keeps it as fresh as it can be.
2. `compare.assess` judges, without I/O: the refund recomputed (`domain.refunds`, continuing the
   ledger's earlier refunds), compared line by line with the proposal within the tolerance, finance's
   decision applied. Its verdict is one of: pay (a `RefundPlan`), mismatch, rejected by finance,
   refused.
3. Then exactly one of:
   - `mismatch.record_mismatch`: `refund_mismatch` for finance with the choices, the case held and
     its timeline entry, in one unit of work; finance decides later (`decide.decide_refund`).
   - `settle.settle_refund`: for the original payment, the payment found and the ledger row PLANNED
     in its own unit of work, committed before commercetools hears the interaction id (a retry reuses
     it, so money moves once); the Refund transaction added; the items marked Refunded; then ONE unit
     of work for the ledger row RECORDED, the pending credit, the problems this refund answers, the
     case and the REFUNDED acknowledgement to ReBound.
   - `settle.fail_refund`: refused by the rules, or the payment refused (or failing past the
     attempts): `refund_failed`, its timeline entry and a refused ledger row marked FAILED, in one unit
     of work (`missing_payment` with its entry likewise).
   - rejected by finance: a timeline entry.

Units of work per trigger: two reads, then two writes on the paying path (PLANNED, RECORDED) and one
on every other. Before, a refused payment opened six (after the reads and PLANNED, the problem, its
timeline entry and the FAILED row each in a unit of its own), a missing payment or a refusal four.

`reject.reject_refund` (a `RejectRefund` row, after finance rejects) marks the items NotRefunded and
tells ReBound REFUND_REJECTED. `core.refund_ledger` holds the ledger rows' shape, shared with the
credit a return books when it is anchored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backflow.app.core import messages as kinds
from backflow.app.core.declarations import ActorSpec, InboxHandler, JobDecl, OutboxHandler
from backflow.app.refunds import issue, reject

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {
    kinds.ISSUE_REFUND: issue.issue_refund,
    kinds.REJECT_REFUND: reject.reject_refund,
}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {}
JOBS: Sequence[JobDecl] = ()
ACTORS: Sequence[ActorSpec] = (
    # The default width: refunds are serialised per order in the store (their rows' lock key), so two
    # returns of one order never recompute against the same prior refunds at once.
    ActorSpec("refund", (kinds.ISSUE_REFUND, kinds.REJECT_REFUND)),
)
