"""Refunds: issue, compare with the recomputed amount, the ledger, mismatches, settle, reject, decide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.core import messages as kinds
from app.core.context import ActorSpec, InboxHandler, OutboxHandler
from app.core.declarations import JobDecl
from app.refunds import issue, reject

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {
    kinds.ISSUE_REFUND: issue.issue_refund,
    kinds.REJECT_REFUND: reject.reject_refund,
}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {}
JOBS: Sequence[JobDecl] = ()
ACTORS: Sequence[ActorSpec] = (
    # Refunds are not serialised per order (two returns of one order could recompute against the
    # same prior refunds at once), so this stays small; raise it in `[actors]` knowingly.
    ActorSpec("refund", (kinds.ISSUE_REFUND, kinds.REJECT_REFUND), concurrency=2),
)
