"""Orders: commercetools messages (pushed or polled), order sync to ReBound, the sweep, the lag check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backflow.app.core import messages as kinds
from backflow.app.core.declarations import ActorSpec, InboxHandler, JobDecl, OutboxHandler
from backflow.app.orders import commerce_events, poll_messages, sweep_orders, sync_lag, sync_order
from backflow.app.orders.prune_snapshots import prune_order_snapshots

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {kinds.SYNC_ORDER: sync_order.sync_order}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {"commercetools": commerce_events.handle_commerce_message}
JOBS: Sequence[JobDecl] = (
    JobDecl("commerce_message_poll", "message_poll_seconds", poll_messages.poll_commerce_messages),
    JobDecl("order_sweep", "order_sweep_seconds", sweep_orders.sweep_orders),
    JobDecl("sync_lag_check", "sync_lag_check_seconds", sync_lag.check_sync_lag),
    JobDecl("order_snapshot_prune", "order_snapshot_prune_seconds", prune_order_snapshots),
)
# 32 at once: each sync holds a worker ~0.1 to 0.3 s (reads, the ReBound upsert, two commits), and 50
# orders a second must not queue behind 8 workers (about 30 a second on a busy machine).
ACTORS: Sequence[ActorSpec] = (ActorSpec("order_sync", (kinds.SYNC_ORDER,), concurrency=32, critical=True),)
