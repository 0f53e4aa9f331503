"""OpenTelemetry set-up: the tracer and meter providers, built once by the composition root and injected.

The provider is built once by the composition root and injected; nothing here installs a global
provider, so tests can use an in-memory exporter side by side with a running daemon. Configuration
follows the standard `OTEL_*` variables: spans are exported over OTLP/HTTP when an endpoint is set
(`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_TRACES_EXPORTER`
is not `none`; otherwise they are not recorded at all (sampler off: no attributes kept, nothing
processed at their end) while their trace and span ids are still made and propagated, so trace ids
still reach the logs, the timeline and the outbox rows.

Metrics go two ways from one MeterProvider: always to a Prometheus registry of their own (rendered by
`GET /metrics`; never the process-wide default registry, so two daemons in one test process do not
mix), and over OTLP/HTTP when `OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT` is set and `OTEL_METRICS_EXPORTER`
is not `none` (every `OTEL_METRIC_EXPORT_INTERVAL` ms, 60 s by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def build_tracer_provider(env: Mapping[str, str], exporter: SpanExporter | None = None) -> TracerProvider:
    service = env.get("OTEL_SERVICE_NAME", "backflow")
    if exporter is None and _otlp_wanted(env):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads the OTEL_EXPORTER_OTLP_* variables itself
    # Recording a span nobody exports cost about a tenth of the event loop's busy time in the surge
    # profile (docs/performance.md); unrecorded spans keep their ids.
    sampler = None if exporter is not None else ALWAYS_OFF
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}), sampler=sampler)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


@dataclass(frozen=True)
class Metrics:
    """The meter provider and the Prometheus page its instruments render to."""

    provider: MeterProvider
    registry: CollectorRegistry

    def scrape(self) -> tuple[bytes, str]:
        """The text exposition format and its content type (collects every instrument, callbacks too)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def build_meter_provider(env: Mapping[str, str]) -> Metrics:
    registry = CollectorRegistry(auto_describe=False)
    # No target_info family nor otel_scope_* labels: Prometheus' own `job` and `instance` say whose.
    readers: list[MetricReader] = [
        PrometheusMetricReader(disable_target_info=True, scope_info_enabled=False, registry=registry)
    ]
    if _otlp_wanted(env, "METRICS"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))  # reads OTEL_EXPORTER_OTLP_*
    resource = Resource.create({SERVICE_NAME: env.get("OTEL_SERVICE_NAME", "backflow")})
    # Shut down by the composition root (a final OTLP export), not at interpreter exit.
    provider = MeterProvider(metric_readers=readers, resource=resource, shutdown_on_exit=False)
    return Metrics(provider, registry)


def _otlp_wanted(env: Mapping[str, str], signal: str = "TRACES") -> bool:
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if env.get(f"OTEL_{signal}_EXPORTER", "otlp").lower() in {"none", ""}:
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get(f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"))
