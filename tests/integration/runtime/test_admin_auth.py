"""The admin API refuses browsers, requests without the token or with a wrong one, and is off without one."""

from __future__ import annotations

import anyio
import pytest

from tests.integration.runtime.conftest import ADMIN_TOKEN, DaemonFactory, registry

pytestmark = pytest.mark.anyio


async def test_the_token_is_required_and_compared_exactly(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            status, body = await run.get("/api/overview", headers={})
            assert (status, body["error"]["code"]) == (401, "unauthorized")
            for wrong in ("Bearer nope", f"Bearer {ADMIN_TOKEN}x", f"Bearer {ADMIN_TOKEN[:-1]}", ADMIN_TOKEN):
                status, _ = await run.get("/api/exceptions", headers={"Authorization": wrong})
                assert status == 401, wrong
            status, _ = await run.get("/api/overview")
            assert status == 200
            # Intake and health are not behind the admin token.
            assert (await run.get("/healthz", headers={}))[0] == 200


async def test_browser_requests_are_refused_even_with_the_token(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            good = run.admin()
            for extra in (
                {"Origin": "http://127.0.0.1:8080"},
                {"Origin": "null"},
                {"Sec-Fetch-Site": "cross-site"},
            ):
                status, body = await run.get("/api/overview", headers=good | extra)
                assert (status, body["error"]["code"]) == (403, "browser_refused"), extra
                status, _ = await run.post("/api/exceptions/1/ack", {}, headers=good | extra)
                assert status == 403
            status, _ = await run.get("/api/openapi.json", headers={"Origin": "https://evil.example"})
            assert status == 403


async def test_without_a_configured_token_the_admin_api_is_disabled(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry(), admin_token=None) as run:
            for token in ("", "anything"):
                status, body = await run.get("/api/overview", headers={"Authorization": f"Bearer {token}"})
                assert status == 503
                assert "BACKFLOW_ADMIN_TOKEN" in body["error"]["message"]
            status, document = await run.get("/api/openapi.json", headers={})
            assert status == 200 and document["openapi"] == "3.1.0"
