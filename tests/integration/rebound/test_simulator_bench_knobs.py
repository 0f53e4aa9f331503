"""The simulator knobs the benchmarks use: latency on every `/v2` call, and the acknowledgements readable."""

from __future__ import annotations

import time

import aiohttp
import anyio
import pytest
from aiohttp.test_utils import TestServer

from backflow.adapters.rebound.client import ReboundClient
from backflow.devtools.rebound_sim import Simulator
from backflow.domain.money import Money
from backflow.ports.errors import NotFoundError
from backflow.ports.returns_platform import AcknowledgedLine, Acknowledgement, AcknowledgementType

pytestmark = pytest.mark.anyio


async def test_latency_is_added_to_api_calls_only_and_is_tunable(
    sim_server: TestServer, client: ReboundClient, sim: Simulator
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(sim_server.make_url("/_sim/faults"), json={"latency": 0.2}) as response:
            assert response.status == 200
        started = time.monotonic()
        with anyio.fail_after(10):
            async with http.get(sim_server.make_url("/_sim/state")) as response:
                assert response.status == 200
        control_seconds = time.monotonic() - started
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(NotFoundError):
            await client.get_sales_order("CT-NONE")
        api_seconds = time.monotonic() - started
    assert sim.options.latency == 0.2
    assert control_seconds < 0.2 <= api_seconds


async def test_acknowledgements_are_listed_as_first_received(
    sim_server: TestServer, client: ReboundClient, sim: Simulator
) -> None:
    ret, _ = sim.script({"clientOrderId": "CT-1", "items": [], "steps": [{"event": "created"}]})
    ack = Acknowledgement(
        type=AcknowledgementType.RESTOCKED,
        lines=[AcknowledgedLine("line-1", 1, Money.parse("5.00", "GBP"))],
        amount=Money.parse("5.00", "GBP"),
        reference="restock-1",
    )
    with anyio.fail_after(10):
        await client.acknowledge(ret.return_id, ack, idempotency_key="restock-1")
        async with (
            aiohttp.ClientSession() as http,
            http.get(sim_server.make_url("/_sim/acknowledgements")) as response,
        ):
            listed = await response.json()
    assert list(listed) == [ret.return_id]
    assert listed[ret.return_id]["restock-1"]["type"] == "RESTOCKED"
