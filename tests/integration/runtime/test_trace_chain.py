"""One trace from an inbound webhook, through the inbox and the outbox, to the outbound HTTP call."""

from __future__ import annotations

import anyio
import msgspec
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from backflow.app.core.declarations import ActorSpec
from backflow.app.core.deps import StoreDeps
from backflow.ports.commerce import CommercePort
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.outbox import OutboxMessage, OutboxRow
from tests.integration.runtime.conftest import DaemonFactory, Sims, eventually, registry
from tests.rebound_support import envelope, signed_headers

pytestmark = pytest.mark.anyio


async def test_webhook_to_inbox_to_outbox_to_client_call_is_one_trace(
    daemon: DaemonFactory, sims: Sims, spans: InMemorySpanExporter
) -> None:
    order = await sims.seed_order("CT-100045")
    called = anyio.Event()

    async def intake(stored: StoredInboundEvent, *, store: StoreDeps) -> None:
        async with store.unit_of_work() as uow:  # the flow sets no trace_ctx: the runtime fills it
            payload = msgspec.json.encode({"order_id": order["id"]})
            uow.outbox.add(OutboxMessage(kind="fetch-order", payload=payload, idempotency_key="fetch-1"))
            await uow.commit()

    async def fetch(row: OutboxRow, *, commerce: CommercePort) -> None:
        await commerce.get_order(msgspec.json.decode(row.payload)["order_id"])
        called.set()

    flows = registry(
        inbox_handlers={"rebound": intake},
        outbox_handlers={"fetch-order": fetch},
        actors=[ActorSpec("orders", ("fetch-order",))],
    )
    with anyio.fail_after(20):
        async with daemon(flows) as run:
            spans.clear()  # start-up calls are their own traces
            body = envelope("evt-trace-1")
            async with run.http.post(
                f"{run.url}/webhooks/rebound", data=body, headers=signed_headers(body)
            ) as r:
                assert r.status == 202
            await called.wait()
            finished = await eventually(lambda: _named(spans, "outbox fetch-order"))

    server = _one(spans, "POST /webhooks/rebound")
    inbox = _one(spans, "inbox rebound return_order.created")
    outbox = finished[0]
    clients = [
        s
        for s in spans.get_finished_spans()
        if s.kind is SpanKind.CLIENT and s.start_time >= outbox.start_time
    ]
    assert server.kind is SpanKind.SERVER and server.parent is None
    assert inbox.kind is SpanKind.CONSUMER and outbox.kind is SpanKind.CONSUMER
    assert inbox.parent is not None and inbox.parent.span_id == server.context.span_id
    assert outbox.parent is not None and outbox.parent.span_id == inbox.context.span_id
    assert clients, "the adapter's CLIENT span for GET /orders/{id}"
    assert all(_descends_from(c, outbox, spans) for c in clients)
    trace_ids = {s.context.trace_id for s in (server, inbox, outbox, *clients)}
    assert trace_ids == {server.context.trace_id}


def _named(spans: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.name == name]


def _one(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    [span] = _named(spans, name)
    return span


def _descends_from(span: ReadableSpan, ancestor: ReadableSpan, spans: InMemorySpanExporter) -> bool:
    by_id = {s.context.span_id: s for s in spans.get_finished_spans()}
    current: ReadableSpan | None = span
    while current is not None and current.parent is not None:
        if current.parent.span_id == ancestor.context.span_id:
            return True
        current = by_id.get(current.parent.span_id)
    return False
