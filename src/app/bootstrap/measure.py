"""The daemon's own instruments on the meter provider: the store's figures and the intake's counts."""

from __future__ import annotations

from opentelemetry.metrics import MeterProvider

from backflow.app.bootstrap.stores import Store
from backflow.app.bootstrap.wiring import Wiring
from backflow.app.core.declarations import FlowRegistry
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.entrypoints.http.metrics import observe_intake
from backflow.app.runtime.store_metrics import StoreMetrics


def measure(
    provider: MeterProvider, store: Store, wiring: Wiring, flows: FlowRegistry, audit: IntakeAudit
) -> StoreMetrics:
    meter = provider.get_meter("backflow")
    observe_intake(meter, audit)
    return StoreMetrics(
        meter,
        store.figures,
        wiring.store.unit_of_work,
        store.shadow_log,
        wiring.store.clock,
        kinds=flows.outbox_handlers,
        sources=flows.inbox_handlers,
    )
