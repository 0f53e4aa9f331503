"""Both push endpoints behind Google's OIDC token in a whole daemon: certificates from 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from aiohttp.test_utils import TestServer

from backflow.app.runtime.registry import build_registry
from tests.google_support import AUDIENCE, EMAIL, CertsEndpoint, LocalKey, claims
from tests.integration.rebound.test_tracking_daemon import pubsub, send
from tests.integration.runtime.conftest import DaemonFactory
from tests.tracking_support import tracking_body

pytestmark = pytest.mark.anyio

PUSH_TOKEN = "push-token-oidc-1"


@pytest.fixture
async def certs() -> AsyncIterator[tuple[CertsEndpoint, LocalKey, str]]:
    key = LocalKey("kid-1")
    endpoint = CertsEndpoint(key)
    server = TestServer(endpoint.app(), host="127.0.0.1")
    await server.start_server()
    yield endpoint, key, str(server.make_url("/oauth2/v1/certs"))
    await server.close()


async def test_pushes_need_a_valid_google_token_and_the_query_token(
    daemon: DaemonFactory, certs: tuple[CertsEndpoint, LocalKey, str]
) -> None:
    _, key, url = certs
    env = {
        "BACKFLOW_PUSH_OIDC_AUDIENCE": AUDIENCE,
        "BACKFLOW_PUSH_OIDC_EMAIL": EMAIL,
        "BACKFLOW_PUSH_OIDC_CERTS_URL": url,
    }
    good = {"Authorization": f"Bearer {key.sign(claims())}"}
    expired = {"Authorization": f"Bearer {key.sign(claims(exp=1, iat=0))}"}
    stranger = {"Authorization": f"Bearer {LocalKey('kid-1').sign(claims())}"}
    path = f"/events/rebound?token={PUSH_TOKEN}"
    with anyio.fail_after(30):
        async with daemon(build_registry, env=env, push_token=PUSH_TOKEN) as run:
            inbox = run.daemon.wiring.inbox
            for headers in (expired, stranger, {}):
                assert (await send(run, path, pubsub(tracking_body()), headers))[0] == 401
            assert (await send(run, "/events/rebound?token=wrong", pubsub(tracking_body()), good))[0] == 401
            for path_ in ("/events/commercetools", "/events/rebound"):
                assert (await send(run, f"{path_}?token={PUSH_TOKEN}", b"{}", expired))[0] == 401
            assert not await inbox.pending(limit=10), "nothing refused was stored"
            # The bearer is Google's JWT: the push token is read from ?token= (the fixed bug).
            status, taken = await send(run, path, pubsub(tracking_body()), good)
            assert (status, taken["outcome"]) == (200, "stored")


async def test_certificates_that_cannot_be_fetched_are_a_503(
    daemon: DaemonFactory, certs: tuple[CertsEndpoint, LocalKey, str]
) -> None:
    endpoint, key, url = certs
    endpoint.status = 500
    env = {
        "BACKFLOW_PUSH_OIDC_AUDIENCE": AUDIENCE,
        "BACKFLOW_PUSH_OIDC_EMAIL": EMAIL,
        "BACKFLOW_PUSH_OIDC_CERTS_URL": url,
    }
    good = {"Authorization": f"Bearer {key.sign(claims())}"}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=env) as run:
            for path in ("/events/rebound", "/events/commercetools"):
                status, answer = await send(run, path, pubsub(tracking_body()), good)
                assert (status, answer["error"]["code"]) == (503, "unavailable")
