"""Hypothesis over the live webhook endpoints (the contract's and the published tracking updates'):
never a 5xx, and nothing unauthenticated ever reaches the inbox."""

from __future__ import annotations

import asyncio
import base64
import http.client
import threading
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backflow.adapters.memory.inbox import InMemoryInbox
from backflow.adapters.rebound import signature
from backflow.adapters.rebound.webhook import make_webhook_handler
from backflow.app.bootstrap.rebound_intake import endpoint_auth, rebound_endpoints
from backflow.app.entrypoints.http.body import read_body
from backflow.app.entrypoints.http.rebound_intake import Intake
from backflow.app.runtime.wakeup import Nudge
from tests.rebound_support import SECRET, WallClock, envelope
from tests.tracking_support import tracking_body

Routes = Callable[[web.Application, InMemoryInbox], Awaitable[None]]


async def _webhook_route(app: web.Application, inbox: InMemoryInbox) -> None:
    app.router.add_post(
        "/webhooks/rebound",
        make_webhook_handler(inbox, (SECRET,), WallClock(), read_body=read_body, max_body=4096),
    )


class _ServerThread:
    """The intake on its own loop in a thread, so each generated example is a plain HTTP request."""

    def __init__(self, routes: Routes = _webhook_route) -> None:
        self.routes = routes
        self.inbox = InMemoryInbox()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        app = web.Application()
        self.loop.run_until_complete(self.routes(app, self.inbox))  # on this loop: Nudge needs one
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


# -- the published tracking updates, behind each REBOUND_WEBHOOK_AUTH scheme
TOKEN, BASIC = "rb-fuzz-token-77", "rebound:fuzz-pw-31"
SCHEMES = {"hmac": SECRET, "header:X-ReBound-Token": TOKEN, "basic": BASIC}


async def _tracking_routes(app: web.Application, inbox: InMemoryInbox) -> None:
    """One tracking endpoint per scheme, composed as the daemon composes it."""
    intake = Intake(inbox=inbox, clock=WallClock(), wake=Nudge())
    for number, (scheme, secret) in enumerate(SCHEMES.items()):
        auth = endpoint_auth({"REBOUND_WEBHOOK_AUTH": scheme}, [secret])
        tracking, _ = rebound_endpoints(intake, auth, None)
        app.router.add_post(f"/webhooks/rebound/tracking/{number}", tracking.handle)


@pytest.fixture(scope="module")
def tracking_server() -> Iterator[_ServerThread]:
    with _ServerThread(_tracking_routes) as running:
        yield running


tracking_bodies = st.one_of(
    st.binary(max_size=600),
    st.builds(
        lambda status, stamp, quantity: tracking_body(
            status, stamp, items=[{"sku": "S", "quantity": quantity}]
        ),
        st.text(max_size=30),
        st.text(max_size=40),
        st.one_of(st.text(max_size=12), st.integers(-5, 10**12)),
    ),
    st.builds(tracking_body, st.sampled_from(["postalIncoming", "Delivered", "weird"])),
)
credential = st.sampled_from(["valid", "wrong", "garbage", "missing", "other-scheme"])


def _credentials(scheme: str, kind: str, body: bytes, garbage: str) -> dict[str, str]:
    if kind == "missing":
        return {}
    if kind == "garbage":
        return {"Authorization": garbage, "X-ReBound-Token": garbage, signature.SIGNATURE_HEADER: garbage}
    if kind == "other-scheme":  # a valid credential of another scheme is no credential here
        others = [name for name in SCHEMES if name != scheme]
        return _credentials(others[len(body) % 2], "valid", body, garbage)
    secret = SCHEMES[scheme] if kind == "valid" else "not-" + SCHEMES[scheme]
    if scheme == "hmac":
        return {signature.SIGNATURE_HEADER: signature.sign((secret,), int(time.time()), body)}
    if scheme == "basic":
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    return {"X-ReBound-Token": secret}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=tracking_bodies, scheme=st.sampled_from(list(SCHEMES)), kind=credential, garbage=header_text)
def test_tracking_no_5xx_and_nothing_unauthenticated_stored(
    tracking_server: _ServerThread, body: bytes, scheme: str, kind: str, garbage: str
) -> None:
    headers = _credentials(scheme, kind, body, garbage)
    before = len(tracking_server.inbox)
    path = f"/webhooks/rebound/tracking/{list(SCHEMES).index(scheme)}"
    connection = http.client.HTTPConnection("127.0.0.1", tracking_server.port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers=headers)
        status = connection.getresponse().status
    finally:
        connection.close()
    assert status < 500
    stored = tracking_server.inbox.events[before:]
    if kind != "valid":
        assert stored == [], (scheme, kind, status)
        assert status == 401
    else:
        assert status in (200, 202, 400)
        assert all(event.body == body for event in stored)
        if status == 400:  # not a tracking update: kept only in quarantine, never processed
            assert all(event.quarantine_reason for event in stored)
