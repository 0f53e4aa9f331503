"""Scheduled: returns the warehouse received whose refund has not happened past `refund-limit-seconds`.

Returns waiting on finance's decision of a refund mismatch are left out (that exception is open).
"""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.cases import load
from backflow.app.core.deps import StoreDeps
from backflow.app.core.history import first_received
from backflow.app.core.policies import MonitorPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import IssueRefund
from backflow.domain.return_case import Position
from backflow.domain.statuses import is_received
from backflow.ports.exceptions import Severity
from backflow.ports.reports import ReportSource

BATCH = 2000


async def check_received_not_refunded(
    *, store: StoreDeps, reports: ReportSource, monitor_policy: MonitorPolicy
) -> None:
    now = store.clock.now()
    limit = monitor_policy.refund_limit_seconds
    with store.tracer.start_as_current_span("monitor.received_not_refunded"):
        records = await reports.open_return_cases(limit=BATCH)
        # Only this batch's history: the whole of it is a row per change of every return ever stored.
        history = await reports.status_history_of([r.return_id for r in records], until=now)
        received_at = first_received(history)
        async with store.unit_of_work() as uow:
            for record in records:
                stored = load(record)
                case = stored.case
                if case.position in (Position.HELD_FOR_FINANCE, Position.CLOSED) or not is_received(
                    case.rebound_status
                ):
                    continue
                owed = {
                    item.rebound_item_id: item.quantity_received - item.refunded_quantity
                    for item in case.items
                    if item.line_id and item.quantity_received > item.refunded_quantity
                }
                since = received_at.get(case.return_id)
                if since is None and stored.snapshot is not None:
                    since = stored.snapshot.order.timestamp
                if not owed or since is None or (now - since).total_seconds() <= limit:
                    continue
                proposal = stored.snapshot.refund if stored.snapshot else None
                retry = None
                if case.order_id and proposal is not None:
                    command = IssueRefund(return_id=case.return_id, sequence=case.last_sequence)
                    retry = retry_action(command, keys.refund_key(case.return_id, case.last_sequence))
                raise_exception(
                    uow,
                    store,
                    "received_not_refunded",
                    dedupe_key=f"received_not_refunded:{case.return_id}",
                    severity=Severity.WARNING,
                    return_id=case.return_id,
                    order_ref=case.order_id or case.client_order_id,
                    retry=retry,
                    evidence={
                        "received_at": since.isoformat(),
                        "waited_seconds": round((now - since).total_seconds()),
                        "limit_seconds": limit,
                        "position": case.position.value,
                        "units_owed": owed,
                        "refund_proposed": proposal is not None,
                    },
                )
            await uow.commit()
