"""The ReBound adapter against the simulator, route by route, including expired tokens and 429s."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import pytest
from aiohttp.test_utils import TestServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from backflow.adapters.rebound.client import ReboundClient
from backflow.devtools.rebound_sim import Simulator
from backflow.devtools.rebound_sim.api import FAULTS, TOKENS
from backflow.domain.money import Money
from backflow.ports.errors import InvalidRequestError, NotFoundError, TransientError
from backflow.ports.returns_platform import (
    AcknowledgedLine,
    Acknowledgement,
    AcknowledgementType,
    UpsertOutcome,
)
from tests.rebound_support import line, order

pytestmark = pytest.mark.anyio
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _order(number: str = "CT-100045"):
    return order([line("line-1", "TEE-M-BLK", 3500, 2), line("line-2", "CAP", 1250, 1)], orderNumber=number)


def _book(sim: Simulator, count: int) -> list[str]:
    ids = []
    for index in range(count):
        ret, _ = sim.script(
            {
                "clientOrderId": "CT-100045",
                "items": [
                    {"clientItemId": "line-1", "sku": "TEE-M-BLK", "quantity": 1, "unitPrice": "35.00"}
                ],
                "steps": [{"event": "created"}, {"event": "in_transit", "trackingNumber": f"ZZ{index}"}],
            }
        )
        ids.append(ret.return_id)
    return ids


async def test_sales_orders_upsert_create_then_update_and_read_back(
    client: ReboundClient, sim: Simulator
) -> None:
    with anyio.fail_after(10):
        created = await client.upsert_sales_order(_order())
        updated = await client.upsert_sales_order(_order())
        stored = await client.get_sales_order("CT-100045")
        with pytest.raises(NotFoundError) as missing:
            await client.get_sales_order("CT-NOPE")
    assert (created.outcome, updated.outcome) == (UpsertOutcome.CREATED, UpsertOutcome.UPDATED)
    assert stored == created.order
    assert [item.unitPrice for item in stored.items] == ["35.00", "12.50"]
    assert stored.customFields.ctOrderVersion == 7
    assert missing.value.codes == ("order_not_found",)
    assert "CT-100045" in sim.state.orders


async def test_returns_and_events_page_through_every_result(client: ReboundClient, sim: Simulator) -> None:
    ids = _book(sim, 5)
    with anyio.fail_after(10):
        one = await client.get_return(ids[0])
        returns = [snapshot.return_id async for snapshot in client.returns_changed_since(EPOCH, page_size=2)]
        events = [event async for event in client.events_since(EPOCH, page_size=3)]
        later = [event async for event in client.events_since(sim.now.replace(year=2030))]
        with pytest.raises(NotFoundError):
            await client.get_return("RB-NONE")
    assert one.order.status == "IN_TRANSIT"
    assert returns == ids
    assert [event.id for event in events] == [item.event.id for item in sim.state.events]
    assert len(events) == 10
    assert later == []


async def test_acknowledgements_are_idempotent_by_key(client: ReboundClient, sim: Simulator) -> None:
    [return_id] = _book(sim, 1)
    ack = Acknowledgement(
        type=AcknowledgementType.REFUNDED,
        lines=[AcknowledgedLine("line-1", 1, Money.parse("35.00", "GBP"))],
        amount=Money.parse("35.00", "GBP"),
        reference="payment-1/refund-1",
    )
    with anyio.fail_after(10):
        await client.acknowledge(return_id, ack, idempotency_key="refund-1")
        await client.acknowledge(return_id, ack, idempotency_key="refund-1")
        with pytest.raises(NotFoundError):
            await client.acknowledge("RB-NONE", ack, idempotency_key="refund-2")
    stored = sim.state.acknowledgements[return_id]
    assert list(stored) == ["refund-1"]
    assert stored["refund-1"]["amount"] == "35.00"
    assert stored["refund-1"]["currency"] == "GBP"
    assert stored["refund-1"]["lines"] == [{"clientItemId": "line-1", "quantity": 1, "amount": "35.00"}]


async def test_a_revoked_token_is_refetched_once_and_the_call_retried(
    client: ReboundClient, sim_server: TestServer
) -> None:
    with anyio.fail_after(10):
        await client.upsert_sales_order(_order())
        sim_server.app[TOKENS].clear()  # as if the token expired on ReBound's side
        await client.get_sales_order("CT-100045")
    assert client.token_fetches == 2


async def test_concurrent_first_calls_fetch_a_single_token(client: ReboundClient) -> None:
    with anyio.fail_after(10):
        await client.upsert_sales_order(_order())
    fresh = ReboundClient(client.config, client._session)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            for _ in range(8):
                group.start_soon(fresh.get_sales_order, "CT-100045")
    assert fresh.token_fetches == 1


async def test_429_waits_the_retry_after_and_5xx_backs_off_with_jitter(
    client: ReboundClient, sim_server: TestServer, slept: list[float]
) -> None:
    faults = sim_server.app[FAULTS]
    with anyio.fail_after(10):
        faults["rate_limit_next"] = 1
        await client.upsert_sales_order(_order())
        faults["fail_next"] = 2
        await client.get_sales_order("CT-100045")
        faults["fail_next"] = 10
        with pytest.raises(TransientError) as exhausted:
            await client.get_sales_order("CT-100045")
    assert slept[0] == 2.0  # the simulator's Retry-After
    assert all(0 <= delay <= client.config.backoff_cap for delay in slept[1:])
    assert len(slept) == 1 + 2 + (client.config.max_attempts - 1)
    assert exhausted.value.status == 503


async def test_a_bad_request_is_typed_and_not_retried(client: ReboundClient, slept: list[float]) -> None:
    with anyio.fail_after(10), pytest.raises(InvalidRequestError) as refused:
        await client._http.request("GET", "/v2/return-orders", what="bad page", params={"updatedSince": "x"})
    assert refused.value.codes == ("invalid_request",)
    assert slept == []


async def test_each_request_is_one_client_span_with_traceparent(
    sim_server: TestServer, client: ReboundClient
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = ReboundClient(client.config, client._session, tracer_provider=provider)
    with anyio.fail_after(10):
        await traced.upsert_sales_order(_order())
    spans = exporter.get_finished_spans()
    assert [span.kind for span in spans] == [SpanKind.CLIENT]
    assert spans[0].attributes["http.response.status_code"] == 201
    provider.shutdown()
