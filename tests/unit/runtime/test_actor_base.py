"""The actor base: every unit runs under a span, is recorded as succeeded or failed, and failures log."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import cast

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Span, SpanKind, StatusCode

from backflow.app.core.deps import StoreDeps
from backflow.app.runtime.actor_base import Actor, Outcome, Unit

pytestmark = pytest.mark.anyio


@dataclass
class TracedStore:
    """The part of `StoreDeps` the base reads for its spans."""

    exporter: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)

    def __post_init__(self) -> None:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = provider.get_tracer("test")


@dataclass
class Echo(Actor[str]):
    store: StoreDeps
    recorded: list[str] = field(default_factory=list)

    failure_message = "echo failed"

    def unit_of(self, item: str) -> Unit:
        return Unit(f"echo {item}", {"echo.item": item}, {"item": item})

    async def settle_without_running(self, item: str) -> bool:
        return item == "quarantined"

    async def work(self, item: str, span: Span) -> Outcome:
        if item == "boom":
            raise ValueError("no echo")
        return Outcome.SETTLED if item == "gone" else Outcome.DONE

    async def succeeded(self, item: str) -> None:
        self.recorded.append(f"ok {item}")

    async def failed(self, item: str, error: str) -> None:
        self.recorded.append(f"failed {item}: {error}")


async def test_each_unit_gets_a_consumer_span_a_record_and_a_log_line_on_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = TracedStore()
    actor = Echo(cast(StoreDeps, store))
    with anyio.fail_after(5), caplog.at_level(logging.WARNING, logger=__name__):
        for item in ("fine", "boom", "gone", "quarantined"):
            await actor.handle(item)
    assert actor.recorded == ["ok fine", "failed boom: ValueError: no echo"]
    spans = {s.name: s for s in store.exporter.get_finished_spans()}
    assert set(spans) == {"echo fine", "echo boom", "echo gone", "echo quarantined"}
    assert all(s.kind is SpanKind.CONSUMER for s in spans.values())
    assert spans["echo boom"].status.status_code is StatusCode.ERROR
    assert [e.name for e in spans["echo boom"].events] == ["exception"]
    assert spans["echo fine"].status.status_code is StatusCode.UNSET
    assert [(r.name, r.getMessage(), getattr(r, "item", None)) for r in caplog.records] == [
        (__name__, "echo failed", "boom")
    ], "logged once, on the actor module's own logger, with the unit's fields"


def test_an_actor_that_does_not_say_how_it_records_cannot_be_built() -> None:
    class Forgetful(Actor[str]):
        def unit_of(self, item: str) -> Unit:
            return Unit(item, {})

        async def work(self, item: str, span: Span) -> Outcome:
            return Outcome.DONE

    with pytest.raises(TypeError, match="succeeded"):
        Forgetful()  # type: ignore[abstract]
