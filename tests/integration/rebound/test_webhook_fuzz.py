"""Hypothesis over the live webhook endpoint: never a 5xx, and nothing unsigned ever reaches the inbox."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
from collections.abc import Iterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backflow.adapters.memory.inbox import InMemoryInbox
from backflow.adapters.rebound import signature
from backflow.adapters.rebound.webhook import make_webhook_handler
from backflow.app.entrypoints.http.body import read_body
from tests.rebound_support import SECRET, WallClock, envelope


class _ServerThread:
    """The intake on its own loop in a thread, so each generated example is a plain HTTP request."""

    def __init__(self) -> None:
        self.inbox = InMemoryInbox()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        app.router.add_post(
            "/webhooks/rebound",
            make_webhook_handler(self.inbox, (SECRET,), WallClock(), read_body=read_body, max_body=4096),
        )
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = self.runner.addresses[0][1]
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())

    def __enter__(self) -> _ServerThread:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def server() -> Iterator[_ServerThread]:
    with _ServerThread() as running:
        yield running


bodies = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda i, s: envelope(i, sequence=s), st.text(min_size=1, max_size=30), st.integers(-5, 10**6)),
    st.just(b"x" * 5000),
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=120)
how = st.sampled_from(["valid", "wrong-secret", "stale", "garbage", "missing", "truncated"])


def _signature(kind: str, body: bytes, garbage: str) -> str | None:
    now = int(time.time())
    return {
        "valid": signature.sign((SECRET,), now, body),
        "wrong-secret": signature.sign(("nope",), now, body),
        "stale": signature.sign((SECRET,), now - 1000, body),
        "garbage": garbage,
        "missing": None,
        "truncated": signature.sign((SECRET,), now, body)[:-1],
    }[kind]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, kind=how, garbage=header_text, event_id=header_text, attempt=header_text)
def test_no_5xx_and_no_unsigned_body_stored(
    server: _ServerThread, body: bytes, kind: str, garbage: str, event_id: str, attempt: str
) -> None:
    headers = {"ReBound-Event-Id": event_id, "ReBound-Delivery-Attempt": attempt}
    value = _signature(kind, body, garbage)
    if value is not None:
        headers[signature.SIGNATURE_HEADER] = value
    before = len(server.inbox)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/webhooks/rebound", body=body, headers=headers)
        status = connection.getresponse().status
    finally:
        connection.close()
    assert status < 500
    stored = server.inbox.events[before:]
    if kind != "valid" or len(body) > 4096:
        assert stored == [], (kind, status)
        assert status in (401, 413)
    else:
        assert status in (200, 202, 400)
        assert all(event.body == body for event in stored)
