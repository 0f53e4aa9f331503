"""Scheduled: every restock in Backflow's stock ledger must be on its inventory entry's marker.

A movement whose marker is not on the entry (or whose entry is gone) is `stock_drift` for operations.
The entry keeps only its most recent markers, so an entry holding a full marker list cannot prove a
movement missing and is not judged.
"""

from __future__ import annotations

from datetime import timedelta

from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import MonitorPolicy
from backflow.app.core.problems import raise_exception
from backflow.ports.commerce import CommercePort
from backflow.ports.exceptions import Severity
from backflow.ports.ledgers import StockMovement, StockMovementState
from backflow.ports.reports import ReportSource

MARKERS_KEPT = 200
"""How many restock markers the commercetools adapter keeps per inventory entry."""


async def check_stock_drift(
    *, store: StoreDeps, commerce: CommercePort, reports: ReportSource, monitor_policy: MonitorPolicy
) -> None:
    now = store.clock.now()
    since = now - timedelta(seconds=monitor_policy.drift_lookback_seconds)
    groups: dict[tuple[str, str | None], list[StockMovement]] = {}
    for movement in await reports.stock_movements(since=since, until=now):
        if movement.state is StockMovementState.APPLIED:
            groups.setdefault((movement.sku, movement.supply_channel), []).append(movement)
    with store.tracer.start_as_current_span("monitor.stock_drift", attributes={"entries": len(groups)}):
        for (sku, channel), movements in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "")):
            markers = await commerce.applied_restock_ids(sku, channel)
            if markers is not None and len(markers) >= MARKERS_KEPT:
                continue
            present = set(markers or ())
            missing = [m for m in movements if m.marker not in present]
            if not missing:
                continue
            async with store.unit_of_work() as uow:
                for movement in missing:
                    raise_exception(
                        uow,
                        store,
                        "stock_drift",
                        dedupe_key=f"stock_drift:{movement.marker}",
                        severity=Severity.WARNING,
                        return_id=movement.return_id,
                        evidence={
                            "finding": "no inventory entry" if markers is None else "marker not on the entry",
                            "marker": movement.marker,
                            "sku": sku,
                            "supply_channel": channel,
                            "quantity": movement.quantity,
                            "applied_at": movement.applied_at.isoformat() if movement.applied_at else None,
                            "inventory_version": movement.inventory_version,
                        },
                    )
                await uow.commit()
