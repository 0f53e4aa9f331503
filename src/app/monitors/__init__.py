"""Drift monitors: scheduled comparisons of Backflow's ledger with commercetools and ReBound.

Each finding is raised as an exception of its type with a stable dedupe key, so a finding seen on
every run stays one exception (its count and last-seen grow) until someone resolves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backflow.app.core.declarations import ActorSpec, InboxHandler, JobDecl, OutboxHandler
from backflow.app.monitors import (
    order_drift,
    received_not_refunded,
    refund_drift,
    return_info_drift,
    stock_drift,
    stuck_returns,
)

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {}
JOBS: Sequence[JobDecl] = (
    JobDecl(
        "received_not_refunded",
        "received_not_refunded_seconds",
        received_not_refunded.check_received_not_refunded,
    ),
    JobDecl("refund_drift", "refund_drift_seconds", refund_drift.check_refund_drift),
    JobDecl("stock_drift", "stock_drift_seconds", stock_drift.check_stock_drift),
    JobDecl("order_drift", "order_drift_seconds", order_drift.check_orders_missing_in_rebound),
    JobDecl("stuck_returns", "stuck_returns_seconds", stuck_returns.check_stuck_returns),
    JobDecl("return_info_drift", "return_info_drift_seconds", return_info_drift.check_return_info),
)
ACTORS: Sequence[ActorSpec] = ()
