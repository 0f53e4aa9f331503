"""Trace context carried through durable rows (inbox, outbox) and actor envelopes.

Stream items and database rows carry no context of their own, so the W3C `traceparent` is written
next to the row in the same transaction and read back to parent the span that processes it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()


def inject_context(context: Context | None = None) -> dict[str, str]:
    """The W3C `traceparent`/`tracestate` of the current (or given) context."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=context)
    return carrier


def extract_context(carrier: Mapping[str, str] | None) -> Context:
    """The context a row was written under."""
    return _PROPAGATOR.extract(dict(carrier or {}))


@contextmanager
def consumer_span(
    tracer: Tracer, name: str, carrier: Mapping[str, str] | None, attributes: Mapping[str, str | int]
) -> Iterator[Span]:
    """A CONSUMER span parented from a row's stored context (the aio-pika pattern)."""
    with tracer.start_as_current_span(
        name, context=extract_context(carrier), kind=SpanKind.CONSUMER, attributes=dict(attributes)
    ) as span:
        yield span


def current_trace_ids() -> tuple[str, str] | None:
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}"
