"""Header bytes that are not UTF-8 are a 400 for the caller, not a 500 (found by the hypothesis fuzz)."""

from __future__ import annotations

import anyio
import pytest

from tests.integration.runtime.conftest import DaemonFactory, registry

pytestmark = pytest.mark.anyio


async def _raw_status(url: str, request: bytes) -> int:
    host, port = url.removeprefix("http://").split(":")
    async with await anyio.connect_tcp(host, int(port)) as stream:
        await stream.send(request)
        with anyio.fail_after(5):
            first = await stream.receive()
    return int(first.split(b" ", 2)[1])


@pytest.mark.parametrize("path", ["/webhooks/rebound", "/events/commercetools", "/api/overview", "/healthz"])
async def test_a_header_value_that_is_not_utf8_is_refused_with_400(daemon: DaemonFactory, path: str) -> None:
    async with daemon(registry()) as running:
        request = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n".encode()
            + b"ReBound-Event-Id: \x80\xff\r\nConnection: close\r\n\r\n{}"
        )
        assert await _raw_status(running.url, request) == 400
