"""Scheduled: orders whose sync keeps failing stay visible as `order_sync_failing`, even after their
outbox row is dead (the exception's retry re-appends it)."""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import OrderSyncPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import SyncOrder
from backflow.ports.exceptions import Severity

BATCH = 500


async def check_sync_lag(*, store: StoreDeps, order_policy: OrderSyncPolicy) -> None:
    threshold = order_policy.failure_attempts
    with store.tracer.start_as_current_span("job.sync_lag"):
        async with store.unit_of_work() as uow:
            for order in await uow.orders.failing(limit=BATCH):
                if order.attempts < threshold:
                    continue
                command = SyncOrder(order_id=order.ct_order_id)
                raise_exception(
                    uow,
                    store,
                    "order_sync_failing",
                    dedupe_key=f"order_sync_failing:{order.ct_order_id}",
                    severity=Severity.ERROR,
                    order_ref=order.order_number or order.ct_order_id,
                    retry=retry_action(command, keys.sync_key(order.ct_order_id, None)),
                    evidence={
                        "order_id": order.ct_order_id,
                        "attempts": order.attempts,
                        "error": order.last_error,
                        "synced_version": order.ct_version,
                    },
                )
            await uow.commit()
