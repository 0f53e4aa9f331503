"""Scheduled: returns ReBound knows (changed within the lookback) that have no return info on their
commercetools order past `policies.return-info-limit-seconds`: `return_info_missing` for CX.

A return Backflow holds for its order (an orphan) or refused against its order (a return/order
mismatch) is left to that exception; a return Backflow never heard of is reported whatever.
"""

from __future__ import annotations

from datetime import timedelta

from backflow.app.core import keys
from backflow.app.core.cases import load
from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import MonitorPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import AnchorReturn
from backflow.domain.order import Order
from backflow.domain.return_case import Position
from backflow.domain.return_snapshot import ReturnSnapshot
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import Severity
from backflow.ports.returns_platform import ReturnsPlatformPort

MAX_RETURNS = 5000


async def check_return_info(
    *, store: StoreDeps, commerce: CommercePort, platform: ReturnsPlatformPort, monitor_policy: MonitorPolicy
) -> None:
    now = store.clock.now()
    limit = monitor_policy.return_info_limit_seconds
    since = now - timedelta(seconds=monitor_policy.drift_lookback_seconds)
    seen = 0
    with store.tracer.start_as_current_span("monitor.return_info"):
        async for snapshot in platform.returns_changed_since(since):
            seen += 1
            if seen > MAX_RETURNS:
                break
            if snapshot.order.status == "CANCELLED":
                continue
            await _check_one(store, commerce, snapshot, limit)


async def _check_one(store: StoreDeps, commerce: CommercePort, snapshot: ReturnSnapshot, limit: int) -> None:
    rid = snapshot.return_id
    async with store.unit_of_work() as reads:
        record = await reads.returns.get(rid)
    known_since = record.created_at if record else snapshot.order.timestamp
    if (store.clock.now() - known_since).total_seconds() <= limit:
        return
    if record is not None and record.state == Position.AWAITING_ORDER:
        return  # held or refused: the orphan / mismatch exception owns it
    order = await _order(commerce, snapshot.order.clientOrderId)
    wanted = [keys.return_item_key(i.reboundItemId) for i in snapshot.items if i.clientItemId]
    if order is not None and any(order.return_item_by_key(key) for key in wanted):
        return
    retry = None
    if record is not None:
        command = AnchorReturn(return_id=rid, client_order_id=snapshot.order.clientOrderId)
        retry = retry_action(command, keys.anchor_key(rid))
    async with store.unit_of_work() as uow:
        raise_exception(
            uow,
            store,
            "return_info_missing",
            dedupe_key=f"return_info_missing:{rid}",
            severity=Severity.WARNING,
            return_id=rid,
            order_ref=order.id if order else snapshot.order.clientOrderId,
            retry=retry,
            evidence={
                "client_order_id": snapshot.order.clientOrderId,
                "order_found": order is not None,
                "backflow_knows_the_return": record is not None,
                "backflow_position": load(record).case.position.value if record else None,
                "rebound_status": snapshot.order.status,
                "item_keys_expected": wanted,
            },
        )
        await uow.commit()


async def _order(commerce: CommercePort, number: str) -> Order | None:
    try:
        return await commerce.get_order_by_number(number)
    except NotFoundError:
        return None
