"""Scheduled: the copies order sync keeps of orders (for the anchoring to plan on) are deleted once
the order is older than the retention. An order that never gets a return would otherwise keep its
whole body forever; a return arriving later is anchored after one lookup of the order by number."""

from __future__ import annotations

from datetime import timedelta

from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import SnapshotRetentionPolicy


async def prune_order_snapshots(
    *, store: StoreDeps, snapshot_retention_policy: SnapshotRetentionPolicy
) -> None:
    """Deletes copies of orders created before now minus the retention, one bounded batch per
    transaction and at most `max_batches` per run (what is left waits for the next run)."""
    policy = snapshot_retention_policy
    cutoff = store.clock.now() - timedelta(days=policy.retention_days)
    pruned = 0
    with store.tracer.start_as_current_span("job.prune_order_snapshots") as span:
        for _ in range(policy.max_batches):
            async with store.unit_of_work() as uow:
                ids = await uow.orders.snapshots_created_before(cutoff, limit=policy.batch_size)
                if not ids:
                    break
                uow.orders.forget_snapshots(ids)
                await uow.commit()
            pruned += len(ids)
            if len(ids) < policy.batch_size:
                break
        span.set_attribute("backflow.snapshots_pruned", pruned)
