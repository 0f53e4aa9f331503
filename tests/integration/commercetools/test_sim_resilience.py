"""Against the simulator only: lost responses, transient faults, 409 races, tokens, push delivery."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import anyio
import pytest
from aiohttp import web
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from backflow.adapters.commercetools import CommercetoolsAdapter
from backflow.adapters.commercetools.subscriptions import parse_pubsub_push
from backflow.devtools.commercetools_sim import SimulatorOptions
from backflow.devtools.commercetools_sim.keys import STATE, TOKENS
from backflow.domain.money import Money
from backflow.ports.commerce_types import OrderQuery, ReturnItemRequest
from backflow.ports.errors import TransientError

from .conftest import Server, start_sim

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def push_receiver(endpoint: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """A real HTTP server on 127.0.0.1 taking the simulator's pushes at `endpoint`; its push URL."""
    receiver = web.Application()
    receiver.router.add_post("/push", endpoint)
    runner = web.AppRunner(receiver, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/push"
    finally:
        await runner.cleanup()


async def _faults(server: Server, rules: list[dict[str, Any]]) -> None:
    await server.call("PUT", "/_sim/faults", rules)


async def test_lost_responses_still_apply_each_write_exactly_once(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-D", 2, 1000)])
        await sim.create_payment(order, 2000)
        await sim.create_inventory("SKU-D", 5, None)
        async with sim.adapter() as adapter:
            payment = await adapter.find_order_payment(order["id"])
            assert payment is not None
            await adapter.prepare()  # bootstrap creates the restock marker Type
            # Every write is applied by the server, then its response is lost.
            await _faults(sim, [{"method": "POST", "path": "^/bf-sim/", "drop_rate": 1.0}])
            refund = await adapter.add_refund(payment.id, Money.minor(1000, "EUR"), "rb-refund-drop")
            returned = await adapter.add_return_info(
                order["id"],
                [ReturnItemRequest(key="rb-drop", quantity=1, line_item_id=order["lineItems"][0]["id"])],
            )
            restocked = await adapter.restock("SKU-D", None, 2, "restock-drop")
            await _faults(sim, [])
            final_payment = await adapter.find_order_payment(order["id"])
            final_order = await adapter.get_order(order["id"])
            entry = await adapter.find_inventory_entry("SKU-D", None)
        assert sim.app is not None and sim.app[STATE].stats["fault.drop"] >= 3
        assert final_payment is not None
        assert [t.id for t in final_payment.transactions if t.type == "Refund"] == [refund.id]
        assert (
            [i.key for i in final_order.return_items()]
            == ["rb-drop"]
            == [i.key for i in returned.return_items()]
        )
        assert entry is not None and entry.quantityOnStock == 7
        assert restocked.entry.quantityOnStock == 7


async def test_transient_errors_are_retried_then_surface(sim: Server) -> None:
    with anyio.fail_after(30):
        await sim.create_order([("SKU-E", 1, 100)])
        async with sim.adapter(max_attempts=30) as adapter:
            await _faults(sim, [{"method": "GET", "path": "/orders", "error_rate": 0.5, "error_status": 502}])
            page = await adapter.query_orders(OrderQuery())
            assert page.count == 1
        async with sim.adapter(max_attempts=3) as adapter:
            await _faults(sim, [{"method": "GET", "path": "/orders", "error_rate": 1.0, "error_status": 503}])
            with pytest.raises(TransientError) as caught:
                await adapter.query_orders(OrderQuery())
        assert caught.value.status == 503


async def test_hang_times_out_as_transient(sim: Server) -> None:
    with anyio.fail_after(30):
        async with sim.adapter(request_timeout=0.3, max_attempts=2) as adapter:
            await _faults(sim, [{"method": "GET", "path": "/orders", "hang_rate": 1.0}])
            with pytest.raises(TransientError):
                await adapter.query_orders(OrderQuery())
            await _faults(sim, [])


async def test_concurrent_writers_resolve_409_by_rereading(sim: Server) -> None:
    with anyio.fail_after(30):
        order = await sim.create_order([("SKU-C", 1, 9000)])
        await sim.create_payment(order, 9000)
        async with sim.adapter() as adapter:
            payment = await adapter.find_order_payment(order["id"])
            assert payment is not None
            async with anyio.create_task_group() as group:
                for n in range(5):
                    group.start_soon(adapter.add_refund, payment.id, Money.minor(100, "EUR"), f"rb-c-{n}")
            final = await adapter.find_order_payment(order["id"])
        assert final is not None
        assert sorted(t.interactionId or "" for t in final.transactions if t.type == "Refund") == [
            f"rb-c-{n}" for n in range(5)
        ]


async def test_token_single_flight_and_renewal_after_401(sim: Server) -> None:
    with anyio.fail_after(30):
        await sim.create_order([("SKU-K", 1, 100)])
        assert sim.app is not None
        before = sim.app[STATE].stats.get("oauth.token", 0)
        async with sim.adapter(max_concurrency=4) as adapter:
            async with anyio.create_task_group() as group:
                for _ in range(20):
                    group.start_soon(adapter.query_orders, OrderQuery(limit=1))
            assert sim.app[STATE].stats["oauth.token"] - before == 1
            assert adapter.http.tokens.fetches == 1
            sim.app[TOKENS].expire_all()  # the server now answers 401 invalid_token
            page = await adapter.query_orders(OrderQuery(limit=1))
            assert page.count == 1
            assert adapter.http.tokens.fetches == 2


async def test_lenient_server_moves_advised_to_returned_directly() -> None:
    options = SimulatorOptions(project_key="bf-sim", client_id="backflow", client_secret="secret")
    options.strict_return_transitions = False
    runner, url, app = await start_sim(options)
    try:
        with anyio.fail_after(20):
            sim = Server("sim", url, "bf-sim", app=app)
            order = await sim.create_order([("SKU-L", 1, 100)])
            item = ReturnItemRequest(key="rb-l", quantity=1, line_item_id=order["lineItems"][0]["id"])
            async with sim.adapter() as adapter:
                await adapter.add_return_info(order["id"], [item])
                moved = await adapter.set_return_shipment_state(order["id"], "rb-l", "Returned")
            kinds = [m["type"] for m in app[STATE].messages]
            assert moved.return_items()[0].shipmentState == "Returned"
            assert "OrderReturnShipmentStateChanged" in kinds and "ReturnInfoSet" not in kinds
    finally:
        await runner.cleanup()


async def test_one_client_span_per_request_without_query_string(sim: Server) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with anyio.fail_after(20):
        async with CommercetoolsAdapter(sim.config(), tracer_provider=provider) as adapter:
            await adapter.query_orders(OrderQuery(where=('orderNumber = "x"',)))
    spans = exporter.get_finished_spans()
    assert len(spans) == 1
    assert spans[0].kind.name == "CLIENT"
    assert spans[0].attributes is not None
    assert spans[0].attributes["url.full"] == f"{sim.url}/bf-sim/orders"
    assert spans[0].attributes["http.response.status_code"] == 200


@pytest.mark.parametrize("push_format", ["Platform", "CloudEvents"])
async def test_push_delivery_is_retried_and_parses(push_format: str) -> None:
    received: list[bytes] = []
    arrived = anyio.Event()
    attempts = 0

    async def endpoint(request: web.Request) -> web.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            return web.Response(status=500)  # the first delivery fails: it must come again
        received.append(await request.read())
        arrived.set()
        return web.Response(status=204)

    async with push_receiver(endpoint) as push_url:
        options = SimulatorOptions(project_key="bf-sim", client_id="backflow", client_secret="secret")
        options.push_url, options.push_format, options.push_retry_delay = push_url, push_format, 0.05  # type: ignore[assignment]
        runner, url, _ = await start_sim(options)
        try:
            with anyio.fail_after(20):
                order = await Server("sim", url, "bf-sim").create_order([("SKU-P", 1, 100)])
                await arrived.wait()
        finally:
            await runner.cleanup()
    delivery = parse_pubsub_push(received[0])
    assert delivery.format == push_format
    assert delivery.message is not None
    assert (delivery.message.type, delivery.message.resource_id) == ("OrderImported", order["id"])
    assert json.loads(delivery.payload)["notificationType"] == "Message"
    assert base64.b64decode(json.loads(received[0])["message"]["data"])
    assert aiohttp  # the receiver is a real HTTP server on 127.0.0.1


async def test_push_types_limit_the_pushes_like_a_subscriptions_message_filter() -> None:
    """Only the listed types are pushed (set by PATCH /_sim/options); the Messages API keeps every one."""
    received: list[str] = []
    two_arrived = anyio.Event()

    async def endpoint(request: web.Request) -> web.Response:
        message = parse_pubsub_push(await request.read()).message
        assert message is not None
        received.append(message.type)
        if len(received) == 2:
            two_arrived.set()
        return web.Response(status=204)

    async with push_receiver(endpoint) as push_url:
        options = SimulatorOptions(project_key="bf-sim", client_id="backflow", client_secret="secret")
        options.push_url = push_url
        runner, url, app = await start_sim(options)
        server = Server("sim", url, "bf-sim", app=app)
        try:
            with anyio.fail_after(20):
                bad = await server.call(
                    "PATCH", "/_sim/options", {"push_types": "OrderImported"}, expect=(400,)
                )
                assert "push_types" in bad["message"]
                answer = await server.call("PATCH", "/_sim/options", {"push_types": ["OrderImported"]})
                assert answer["push_types"] == ["OrderImported"]
                order = await server.create_order([("SKU-F", 1, 100)])
                async with server.adapter() as adapter:
                    await adapter.add_return_info(
                        order["id"],
                        [ReturnItemRequest(key="rb-f", quantity=1, line_item_id=order["lineItems"][0]["id"])],
                    )
                second = await server.create_order([("SKU-F", 2, 100)])
                stored = await server.call("GET", "/messages?limit=100")
                await two_arrived.wait()
                await anyio.sleep(0.2)  # a message wrongly pushed would have arrived by now
        finally:
            await runner.cleanup()
    assert received == ["OrderImported", "OrderImported"]
    kept = {m["type"] for m in stored["results"]}
    assert "OrderImported" in kept and kept - {"OrderImported"}, kept  # the others are stored, not pushed
    assert second["id"] != order["id"]
