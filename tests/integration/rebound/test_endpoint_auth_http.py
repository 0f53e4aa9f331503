"""Endpoint authentication behind a real aiohttp server on 127.0.0.1, as every ReBound endpoint uses it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import anyio
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backflow.adapters.rebound import signature
from backflow.adapters.rebound.endpoint_auth import (
    AuthenticationFailed,
    EndpointAuth,
    authenticate,
    endpoint_auth_from_env,
)

pytestmark = pytest.mark.anyio

BODY = b'{"order": {"reboundOrderId": "(00)1"}}'


def _server_for(auth: EndpointAuth, seen: list[bytes]) -> TestServer:
    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            authenticate(auth, request.headers, body, now=time.time())
        except AuthenticationFailed as failed:
            return web.json_response(
                {"error": {"code": "unauthorized", "message": failed.reason}}, status=401
            )
        seen.append(body)
        return web.json_response({"ok": True}, status=202)

    app = web.Application()
    app.router.add_post("/webhooks/rebound/tracking", handle)
    return TestServer(app, host="127.0.0.1")


async def _post(server: TestServer, **kwargs: object) -> tuple[int, str]:
    url = server.make_url("/webhooks/rebound/tracking")
    async with aiohttp.ClientSession() as session, session.post(url, data=BODY, **kwargs) as response:
        return response.status, await response.text()


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


@pytest.fixture
async def served(request: pytest.FixtureRequest) -> AsyncIterator[tuple[TestServer, list[bytes]]]:
    scheme, secrets = request.param
    seen: list[bytes] = []
    server = _server_for(
        endpoint_auth_from_env({"REBOUND_WEBHOOK_AUTH": scheme, "REBOUND_WEBHOOK_SECRET": secrets}), seen
    )
    await server.start_server()
    yield server, seen
    await server.close()


@pytest.mark.parametrize("served", [("header:X-ReBound-Token", "new-token,old-token")], indirect=True)
async def test_a_header_token_over_http(served: tuple[TestServer, list[bytes]]) -> None:
    server, seen = served
    with anyio.fail_after(10):
        assert (await _post(server, headers={"X-ReBound-Token": "old-token"}))[0] == 202
        status, answer = await _post(server, headers={"X-ReBound-Token": "guess"})
        assert status == 401 and "wrong token in X-ReBound-Token" in answer
        assert (await _post(server))[0] == 401
    assert seen == [BODY]


@pytest.mark.parametrize("served", [("basic", "rebound:s3cret,rebound:0ld")], indirect=True)
async def test_http_basic_over_http(served: tuple[TestServer, list[bytes]]) -> None:
    server, seen = served
    with anyio.fail_after(10):
        assert (await _post(server, headers=_basic("rebound", "s3cret")))[0] == 202
        assert (await _post(server, headers=_basic("rebound", "0ld")))[0] == 202
        assert (await _post(server, headers=_basic("rebound", "nope")))[0] == 401
        assert (await _post(server, headers={"Authorization": "Bearer s3cret"}))[0] == 401
    assert seen == [BODY, BODY]


@pytest.mark.parametrize("served", [("hmac", "whsec-a,whsec-b")], indirect=True)
async def test_hmac_over_http(served: tuple[TestServer, list[bytes]]) -> None:
    server, seen = served
    now = int(time.time())
    with anyio.fail_after(10):
        good = {signature.SIGNATURE_HEADER: signature.sign(("whsec-b",), now, BODY)}
        assert (await _post(server, headers=good))[0] == 202
        bad = {signature.SIGNATURE_HEADER: signature.sign(("whsec-c",), now, BODY)}
        assert (await _post(server, headers=bad))[0] == 401
    assert seen == [BODY]
