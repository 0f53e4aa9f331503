"""Real aiohttp servers on 127.0.0.1 for the ReBound tests; the inbox fixture is the one swap point."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backflow.adapters.memory.inbox import InMemoryInbox
from backflow.adapters.rebound.client import ReboundClient
from backflow.adapters.rebound.config import ReboundConfig
from backflow.adapters.rebound.webhook import make_webhook_handler
from backflow.app.entrypoints.http.body import read_body
from backflow.devtools.rebound_sim import SimOptions, Simulator, create_app
from backflow.devtools.rebound_sim.api import SIM
from tests.integration.runtime.conftest import daemon, provider, sims, spans  # noqa: F401 (a whole daemon)
from tests.rebound_support import OLD_SECRET, SECRET, WallClock


@pytest.fixture
def inbox() -> InMemoryInbox:
    # Swap for the SQLite inbox here once it lands: every intake test goes through this fixture.
    return InMemoryInbox()


@pytest.fixture
def clock() -> WallClock:
    return WallClock()


@pytest.fixture
async def webhook_server(inbox: InMemoryInbox, clock: WallClock) -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_post(
        "/webhooks/rebound", make_webhook_handler(inbox, (SECRET, OLD_SECRET), clock, read_body=read_body)
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
def sim_options() -> SimOptions:
    return SimOptions(seed=7, retry_after=2, flow_key="flow-uk")


@pytest.fixture
async def sim_server(sim_options: SimOptions) -> AsyncIterator[TestServer]:
    server = TestServer(create_app(sim_options), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
def sim(sim_server: TestServer) -> Simulator:
    return sim_server.app[SIM]


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
async def client(
    sim_server: TestServer, sim_options: SimOptions, slept: list[float]
) -> AsyncIterator[ReboundClient]:
    config = ReboundConfig(
        api_url=str(sim_server.make_url("")).rstrip("/"),
        client_id=sim_options.client_id,
        client_secret=sim_options.client_secret,
        flow_key=sim_options.flow_key,
    )

    async def record_sleep(seconds: float) -> None:
        slept.append(seconds)  # retries are asserted, not waited for

    async with aiohttp.ClientSession() as session:
        yield ReboundClient(config, session, sleep=record_sleep, rng=random.Random(3))
