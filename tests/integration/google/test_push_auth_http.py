"""Push authentication behind a real aiohttp endpoint: token, Google OIDC, both, and the fixed bug."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backflow.adapters.google.oidc import GoogleOidcVerifier, OidcConfig
from backflow.adapters.google.push_auth import PushAuthConfig, PushAuthenticator, PushRefused
from tests.google_support import CertsEndpoint, LocalKey, claims

pytestmark = pytest.mark.anyio

TOKEN = "push-token-7e2b"


class Endpoint:
    """`POST /events/rebound` that checks the push and records what it took."""

    def __init__(self, auth: PushAuthenticator) -> None:
        self.auth = auth
        self.taken: list[bytes] = []

    async def handle(self, request: web.Request) -> web.Response:
        try:
            await self.auth.check(request.headers, request.query)
        except PushRefused as refused:
            return web.json_response({"error": refused.reason}, status=refused.status)
        self.taken.append(await request.read())
        return web.json_response({"ok": True})


@pytest.fixture
async def serve() -> AsyncIterator:
    servers: list[TestServer] = []
    sessions: list[aiohttp.ClientSession] = []

    async def start(config: PushAuthConfig) -> tuple[Endpoint, str]:
        verifier = None
        if config.oidc is not None:
            session = aiohttp.ClientSession()
            sessions.append(session)
            verifier = GoogleOidcVerifier(config.oidc, session)
        endpoint = Endpoint(PushAuthenticator(config, verifier))
        app = web.Application()
        app.router.add_post("/events/rebound", endpoint.handle)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return endpoint, str(server.make_url("/events/rebound"))

    yield start
    for server in servers:
        await server.close()
    for session in sessions:
        await session.close()


async def _push(url: str, *, token: str | None = None, bearer: str | None = None) -> tuple[int, str]:
    params = {"token": token} if token is not None else {}
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, params=params, headers=headers, data=b"{}") as response,
    ):
        return response.status, await response.text()


async def test_google_authentication_on_and_the_token_in_the_query_is_accepted(
    serve, oidc_config: OidcConfig, key: LocalKey
) -> None:
    """The bug: with only a push token configured, Google's bearer hid the right `?token=`."""
    endpoint, url = await serve(PushAuthConfig(token=TOKEN))
    with anyio.fail_after(10):
        assert (await _push(url, token=TOKEN, bearer=key.sign(claims())))[0] == 200
        assert (await _push(url, bearer=TOKEN))[0] == 200
        status, answer = await _push(url, token="wrong", bearer=key.sign(claims()))
    assert status == 401 and "push token is missing or wrong" in answer
    assert len(endpoint.taken) == 2


async def test_oidc_and_token_both_required_when_both_configured(
    serve, oidc_config: OidcConfig, key: LocalKey, other_key: LocalKey
) -> None:
    endpoint, url = await serve(PushAuthConfig(token=TOKEN, oidc=oidc_config))
    with anyio.fail_after(10):
        assert (await _push(url, token=TOKEN, bearer=key.sign(claims())))[0] == 200
        assert (await _push(url, token="wrong", bearer=key.sign(claims())))[0] == 401
        assert (await _push(url, bearer=TOKEN, token=TOKEN))[0] == 401  # the bearer must be Google's
        expired = key.sign(claims(exp=1_000_000, iat=999_000))
        status, answer = await _push(url, token=TOKEN, bearer=expired)
        assert status == 401 and "expired" in answer
        forged = other_key.sign(claims(), key_id=key.key_id)
        assert (await _push(url, token=TOKEN, bearer=forged))[0] == 401
        assert (await _push(url, token=TOKEN))[0] == 401
    assert len(endpoint.taken) == 1


async def test_oidc_alone(serve, oidc_config: OidcConfig, key: LocalKey) -> None:
    endpoint, url = await serve(PushAuthConfig(oidc=oidc_config))
    with anyio.fail_after(10):
        assert (await _push(url, bearer=key.sign(claims())))[0] == 200
        assert (await _push(url, bearer=key.sign(claims(aud="https://elsewhere.example"))))[0] == 401
    assert len(endpoint.taken) == 1


async def test_no_certificates_is_503_so_pubsub_retries(
    serve, oidc_config: OidcConfig, key: LocalKey, certs: CertsEndpoint
) -> None:
    certs.status = 500
    endpoint, url = await serve(PushAuthConfig(oidc=oidc_config))
    with anyio.fail_after(10):
        status, answer = await _push(url, bearer=key.sign(claims()))
    assert status == 503 and "cannot verify" in answer
    assert endpoint.taken == []


async def test_nothing_configured_takes_every_push(serve) -> None:
    endpoint, url = await serve(PushAuthConfig())
    with anyio.fail_after(10):
        assert (await _push(url))[0] == 200
    assert len(endpoint.taken) == 1


def test_a_verifier_is_needed_exactly_with_oidc() -> None:
    oidc = OidcConfig(
        audience="https://backflow.example/events/rebound", email="push@p.iam.gserviceaccount.com"
    )
    with pytest.raises(ValueError, match="exactly when OIDC is configured"):
        PushAuthenticator(PushAuthConfig(oidc=oidc))
