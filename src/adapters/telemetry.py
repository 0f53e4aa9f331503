"""OpenTelemetry set-up: the tracer provider, built once by the composition root and injected.

The provider is built once by the composition root and injected; nothing here installs a global
provider, so tests can use an in-memory exporter side by side with a running daemon. Configuration
follows the standard `OTEL_*` variables: spans are exported over OTLP/HTTP when an endpoint is set
(`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and `OTEL_TRACES_EXPORTER`
is not `none`; otherwise they are created (trace ids still reach the logs) and not exported.
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter


def build_tracer_provider(env: Mapping[str, str], exporter: SpanExporter | None = None) -> TracerProvider:
    service = env.get("OTEL_SERVICE_NAME", "backflow")
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    if exporter is None and _otlp_wanted(env):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads the OTEL_EXPORTER_OTLP_* variables itself
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _otlp_wanted(env: Mapping[str, str]) -> bool:
    if env.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").lower() in {"none", ""}:
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
