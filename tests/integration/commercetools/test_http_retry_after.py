"""The HTTP client honours Retry-After and maps error bodies to typed errors."""

from __future__ import annotations

import anyio
import pytest
from aiohttp import web

from backflow.adapters.commercetools.config import CommercetoolsConfig
from backflow.adapters.commercetools.http import CommercetoolsHttp
from backflow.ports.errors import ConflictError, InvalidRequestError

pytestmark = pytest.mark.anyio


async def test_retry_after_and_error_mapping() -> None:
    hits = {"n": 0}

    async def token(_: web.Request) -> web.Response:
        return web.json_response({"access_token": "t", "expires_in": 3600, "token_type": "Bearer"})

    async def flaky(_: web.Request) -> web.Response:
        hits["n"] += 1
        if hits["n"] == 1:
            return web.json_response(
                {"statusCode": 503, "message": "busy", "errors": []},
                status=503,
                headers={"Retry-After": "0.25"},
            )
        return web.json_response({"ok": True})

    async def conflict(_: web.Request) -> web.Response:
        error = {"code": "ConcurrentModification", "message": "stale", "currentVersion": 7}
        return web.json_response({"statusCode": 409, "message": "stale", "errors": [error]}, status=409)

    async def invalid(_: web.Request) -> web.Response:
        errors = [{"code": "InvalidField", "message": "bad"}, {"code": "RequiredField", "message": "x"}]
        return web.json_response({"statusCode": 400, "message": "bad", "errors": errors}, status=400)

    app = web.Application()
    app.router.add_post("/oauth/token", token)
    app.router.add_get("/p/flaky", flaky)
    app.router.add_get("/p/conflict", conflict)
    app.router.add_get("/p/invalid", invalid)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    config = CommercetoolsConfig(project_key="p", client_id="i", client_secret="s", auth_url=url, api_url=url)
    http = CommercetoolsHttp(config, sleep=sleep)
    try:
        with anyio.fail_after(10):
            assert await http.get("/flaky") == b'{"ok": true}'
            with pytest.raises(ConflictError) as conflict_error:
                await http.get("/conflict")
            with pytest.raises(InvalidRequestError) as invalid_error:
                await http.get("/invalid")
    finally:
        await http.aclose()
        await runner.cleanup()
    assert slept == [0.25]
    assert conflict_error.value.current_version == 7
    assert invalid_error.value.codes == ("InvalidField", "RequiredField")
