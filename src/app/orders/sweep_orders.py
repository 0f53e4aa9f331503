"""Scheduled: the catch-up sweep over orders by lastModifiedAt, behind pushes and the poller.

Each run reads from its watermark minus an overlap (clocks and eventual consistency differ), stages
`SyncOrder` for versions ReBound does not have (idempotency keys dedupe), and raises
`order_sync_lagging` for an order that has waited past the lag limit without being synced.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from backflow.app.core import keys
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import outbox_message
from backflow.app.core.policies import OrderSyncPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import SyncOrder
from backflow.ports.commerce import CommercePort
from backflow.ports.exceptions import Severity
from backflow.ports.synced_orders import SyncStatus
from backflow.ports.watermarks import Watermarks

WATERMARK = "commercetools.order-sweep"
MAX_ORDERS = 10_000  # per run


async def sweep_orders(
    *, store: StoreDeps, commerce: CommercePort, watermarks: Watermarks, order_policy: OrderSyncPolicy
) -> None:
    now = store.clock.now()
    raw = await watermarks.get(WATERMARK)
    since = (
        msgspec.json.decode(raw, type=datetime) - timedelta(seconds=order_policy.sweep_overlap_seconds)
        if raw
        else now - timedelta(seconds=order_policy.sweep_lookback_seconds)
    )
    stamp = since.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    limit = order_policy.lag_limit_seconds
    high = since
    seen = 0
    with store.tracer.start_as_current_span("job.sweep_orders", attributes={"since": stamp}):
        async for order in commerce.sweep_orders([f'lastModifiedAt >= "{stamp}"']):
            seen += 1
            high = max(high, order.lastModifiedAt)
            async with store.unit_of_work() as uow:
                known = await uow.orders.get(order.id)
                if (
                    known is not None
                    and known.status is SyncStatus.SYNCED
                    and known.ct_version >= order.version
                ):
                    continue
                command = SyncOrder(order_id=order.id, version=order.version)
                key = keys.sync_key(order.id, order.version)
                uow.outbox.add(outbox_message(command, key, lock_key=keys.order_sync_lock(order.id)))
                waited = (now - order.lastModifiedAt).total_seconds()
                if waited > limit:
                    raise_exception(
                        uow,
                        store,
                        "order_sync_lagging",
                        dedupe_key=f"order_sync_lagging:{order.id}",
                        severity=Severity.WARNING,
                        order_ref=order.orderNumber or order.id,
                        retry=retry_action(command, key),
                        evidence={
                            "order_id": order.id,
                            "version": order.version,
                            "waited_seconds": round(waited),
                            "limit_seconds": limit,
                            "found_by": "catch-up sweep",
                        },
                    )
                await uow.commit()
            if seen >= MAX_ORDERS:
                break
    await watermarks.set(WATERMARK, msgspec.json.encode(high))
