"""Real aiohttp servers on 127.0.0.1 for the ReBound tests; the inbox fixture is the one swap point."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.memory.inbox import InMemoryInbox
from adapters.rebound.webhook import make_webhook_handler
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
    app.router.add_post("/webhooks/rebound", make_webhook_handler(inbox, (SECRET, OLD_SECRET), clock))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()
