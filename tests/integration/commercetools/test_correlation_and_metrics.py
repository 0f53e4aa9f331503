"""Every commercetools request carries `X-Correlation-ID`, its span's trace id (commercetools logs
it, so a support ticket meets the trace), and is timed by route template, never by id."""

from __future__ import annotations

import re

import anyio
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import format_trace_id

from backflow.adapters.commercetools import CommercetoolsAdapter
from backflow.devtools.commercetools_sim.keys import CORRELATIONS
from backflow.ports.errors import NotFoundError
from tests.integration.commercetools.conftest import Server

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _recorded(sim: Server) -> list[dict[str, str]]:
    assert sim.app is not None
    return list(sim.app[CORRELATIONS].recent)


async def test_each_request_carries_its_trace_id_and_is_timed_by_route(sim: Server) -> None:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    with anyio.fail_after(20):
        async with CommercetoolsAdapter(
            sim.config(), tracer_provider=tracer_provider, meter_provider=meter_provider
        ) as adapter:
            with pytest.raises(NotFoundError):
                await adapter.get_order("5f0e6a6e-0000-4000-8000-00000000abcd")
    spans = [s for s in exporter.get_finished_spans() if s.kind.name == "CLIENT"]
    recorded = [r for r in _recorded(sim) if r["path"].startswith("/bf-sim/orders")]
    assert recorded and {r["id"] for r in recorded} == {format_trace_id(s.context.trace_id) for s in spans}

    data = reader.get_metrics_data()
    assert data is not None
    points = [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "backflow.upstream.request.duration"
        for point in metric.data.data_points
    ]
    labels = [dict(p.attributes or {}) for p in points]
    assert {"api": "commercetools", "method": "GET", "route": "/orders/{id}", "status": "404"} in labels
    assert all("5f0e6a6e" not in str(label) for label in labels)


async def test_an_untraced_request_still_carries_a_correlation_id(sim: Server) -> None:
    with anyio.fail_after(20):
        async with sim.adapter() as adapter:
            with pytest.raises(NotFoundError):
                await adapter.get_order("5f0e6a6e-0000-4000-8000-00000000abce")
    [recorded] = [r for r in _recorded(sim) if r["path"].startswith("/bf-sim/orders")]
    assert HEX32.match(recorded["id"])
