"""Scheduled: orders created in commercetools (older than the sync limit) that ReBound does not have.

Each is `order_sync_lagging` under the same key the sync flows use, so one late order is one
exception whoever notices it; its retry queues the sync again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core import keys
from app.core.context import FlowContext
from app.core.problems import raise_problem, retry_action
from domain.commands import SyncOrder
from ports.errors import NotFoundError
from ports.exceptions import Severity

MAX_ORDERS = 2000  # per run: each is one ReBound read


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def check_orders_missing_in_rebound(ctx: FlowContext) -> None:
    now = ctx.clock.now()
    limit = ctx.settings.file.policies.sync_lag_limit_seconds
    since = now - timedelta(seconds=ctx.settings.file.schedule.order_drift_lookback_seconds)
    until = now - timedelta(seconds=limit)
    where = [f'createdAt >= "{_stamp(since)}"', f'createdAt <= "{_stamp(until)}"']
    seen = 0
    with ctx.tracer.start_as_current_span("monitor.order_drift"):
        async for order in ctx.commerce.sweep_orders(where):
            seen += 1
            if seen > MAX_ORDERS:
                break
            reference = order.orderNumber or order.id
            try:
                await ctx.platform.get_sales_order(reference)
                continue
            except NotFoundError:
                pass
            command = SyncOrder(order_id=order.id)
            async with ctx.unit_of_work() as uow:
                raise_problem(
                    uow,
                    ctx,
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
