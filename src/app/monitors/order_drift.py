"""Scheduled: orders created in commercetools (older than the sync limit) that ReBound does not have.

Each is `order_sync_lagging` under the same key the sync flows use, so one late order is one
exception whoever notices it; its retry queues the sync again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backflow.app.core import keys
from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import MonitorPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import SyncOrder
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import Severity
from backflow.ports.returns_platform import ReturnsPlatformPort

MAX_ORDERS = 2000  # per run: each is one ReBound read


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def check_orders_missing_in_rebound(
    *, store: StoreDeps, commerce: CommercePort, platform: ReturnsPlatformPort, monitor_policy: MonitorPolicy
) -> None:
    now = store.clock.now()
    limit = monitor_policy.sync_lag_limit_seconds
    since = now - timedelta(seconds=monitor_policy.order_drift_lookback_seconds)
    until = now - timedelta(seconds=limit)
    where = [f'createdAt >= "{_stamp(since)}"', f'createdAt <= "{_stamp(until)}"']
    seen = 0
    with store.tracer.start_as_current_span("monitor.order_drift"):
        async for order in commerce.sweep_orders(where):
            seen += 1
            if seen > MAX_ORDERS:
                break
            reference = order.orderNumber or order.id
            try:
                await platform.get_sales_order(reference)
                continue
            except NotFoundError:
                pass
            command = SyncOrder(order_id=order.id)
            async with store.unit_of_work() as uow:
                raise_exception(
                    uow,
                    store,
                    "order_sync_lagging",
                    dedupe_key=f"order_sync_lagging:{order.id}",
                    severity=Severity.WARNING,
                    order_ref=reference,
                    retry=retry_action(command, keys.sync_key(order.id, None)),
                    evidence={
                        "order_id": order.id,
                        "order_number": order.orderNumber,
                        "created_at": order.createdAt.isoformat(),
                        "waited_seconds": round((now - order.createdAt).total_seconds()),
                        "limit_seconds": limit,
                        "found_by": "drift monitor: ReBound does not have the order",
                    },
                )
                await uow.commit()
