"""Scheduled: returns sitting in one ReBound status longer than its configured limit
(`policies.stuck-status-limits`, e.g. IN_TRANSIT 14 days, AT_HUB 3 days) are `return_stuck` for CX."""

from __future__ import annotations

from backflow.app.core.cases import load
from backflow.app.core.deps import StoreDeps
from backflow.app.core.history import entered_current_status
from backflow.app.core.policies import MonitorPolicy
from backflow.app.core.problems import raise_exception
from backflow.ports.exceptions import Severity
from backflow.ports.reports import ReportSource

BATCH = 2000


async def check_stuck_returns(
    *, store: StoreDeps, reports: ReportSource, monitor_policy: MonitorPolicy
) -> None:
    now = store.clock.now()
    limits = monitor_policy.stuck_status_limits
    with store.tracer.start_as_current_span("monitor.stuck_returns"):
        records = await reports.open_return_cases(limit=BATCH)
        # Only this batch's history: the whole of it is a row per change of every return ever stored.
        history = await reports.status_history_of([r.return_id for r in records], until=now)
        entered = entered_current_status(history)
        async with store.unit_of_work() as uow:
            for record in records:
                stored = load(record)
                status = stored.case.rebound_status
                if status is None or status.value not in limits:
                    continue
                known = entered.get(record.return_id)
                since = known[1] if known and known[0] == status.value else None
                if since is None and stored.snapshot is not None:
                    since = stored.snapshot.order.timestamp
                if since is None or (now - since).total_seconds() <= limits[status.value]:
                    continue
                order = stored.snapshot.order if stored.snapshot else None
                raise_exception(
                    uow,
                    store,
                    "return_stuck",
                    dedupe_key=f"return_stuck:{record.return_id}:{status.value}",
                    severity=Severity.WARNING,
                    return_id=record.return_id,
                    order_ref=stored.case.order_id or stored.case.client_order_id,
                    evidence={
                        "status": status.value,
                        "since": since.isoformat(),
                        "waited_seconds": round((now - since).total_seconds()),
                        "limit_seconds": limits[status.value],
                        "tracking_number": order.trackingNumber if order else None,
                        "location": order.location if order else None,
                    },
                )
            await uow.commit()
