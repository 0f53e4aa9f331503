"""ReBound's published tracking updates through a whole daemon: HTTP with each auth scheme, the
Pub/Sub push, the mapping into the return case, and capture mode."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import anyio
import pytest

from backflow.app.runtime.registry import build_registry
from tests.integration.runtime.conftest import DaemonFactory, Running, eventually
from tests.rebound_support import envelope
from tests.tracking_support import RETURN_ID, tracking_body

pytestmark = pytest.mark.anyio

TOKEN = "rb-token-0123456789"
HEADER_AUTH = {"REBOUND_WEBHOOK_AUTH": "header:X-ReBound-Token", "REBOUND_WEBHOOK_SECRET": TOKEN}
TRACKING = "/webhooks/rebound/tracking"


async def send(
    run: Running, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with run.http.post(run.url + path, data=body, headers=headers or {}) as response:
        return response.status, await response.json()


async def case_of(run: Running, return_id: str) -> dict[str, Any] | None:
    status, found = await run.get(f"/api/returns/{return_id}")
    return found if status == 200 else None


async def rebound_status(run: Running, return_id: str) -> str | None:
    found = await case_of(run, return_id)
    return None if found is None else str(found["snapshot"]["case"]["rebound_status"])


async def test_a_published_update_with_the_header_token_is_taken_once(daemon: DaemonFactory) -> None:
    token = {"X-ReBound-Token": TOKEN}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=HEADER_AUTH) as run:
            inbox = run.daemon.wiring.inbox
            assert await send(
                run, TRACKING, tracking_body(return_id="(00)other"), {"X-ReBound-Token": "no"}
            ) == (
                401,
                {"error": {"code": "unauthorized", "message": "wrong token in X-ReBound-Token"}},
            )
            assert (await send(run, TRACKING, tracking_body(return_id="(00)other")))[0] == 401
            status, first = await send(run, TRACKING, tracking_body(), token)
            assert (status, first["outcome"]) == (202, "stored")
            assert (await send(run, TRACKING, tracking_body(), token))[1]["outcome"] == "duplicate"
            assert await eventually(lambda: rebound_status(run, RETURN_ID), within=10) == "IN_TRANSIT"
            status, listed = await run.get("/api/returns", params={"query": RETURN_ID})
            assert [item["return_id"] for item in listed["items"]] == [RETURN_ID]
            # The refused update stored nothing, and each refusal is counted.
            assert await inbox.get("rebound-tracking", json.dumps(["(00)other"])) is None
            assert await case_of(run, "(00)other") is None
            _, overview = await run.get("/api/overview")
            refused = {(r["source"], r["reason"]): r["count"] for r in overview["intake"]["refused"]}
            assert refused[("rebound-tracking", "unauthorized")] == 2


async def test_newest_timestamp_wins_and_an_unknown_status_is_raised(daemon: DaemonFactory) -> None:
    token = {"X-ReBound-Token": TOKEN}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=HEADER_AUTH) as run:
            hub = tracking_body("Arrived at Our Hub", "2026-11-22T09:00:00.000001Z")
            assert (await send(run, TRACKING, hub, token))[0] == 202
            assert await eventually(lambda: rebound_status(run, RETURN_ID), within=10) == "AT_HUB"
            late = tracking_body("Return Order Created", "2026-11-20T09:00:00Z")
            strange = tracking_body("parcelLostInSpace", "2026-11-23T09:00:00Z")
            other = tracking_body("postalIncoming", return_id="(00)second")
            for body in (late, strange, other):
                assert (await send(run, TRACKING, body, token))[0] == 202
            assert await eventually(lambda: rebound_status(run, "(00)second"), within=10) == "IN_TRANSIT"

            async def unknown() -> list[dict[str, Any]]:
                _, page = await run.get("/api/exceptions", params={"type": "unknown_status"})
                return list(page["items"])

            raised = await eventually(unknown, within=10)
            assert [(e["owner"], e["return_id"]) for e in raised] == [("merchandising", RETURN_ID)]
            assert await rebound_status(run, RETURN_ID) == "AT_HUB", "late and unknown change nothing"
            timeline = (await case_of(run, RETURN_ID) or {})["timeline"]
            assert any(entry["outcome"] == "stale" for entry in timeline)


async def test_the_contract_webhook_takes_the_configured_scheme(daemon: DaemonFactory) -> None:
    basic = {"REBOUND_WEBHOOK_AUTH": "basic", "REBOUND_WEBHOOK_SECRET": "rebound:s3cret-pass"}
    good = {"Authorization": "Basic " + base64.b64encode(b"rebound:s3cret-pass").decode()}
    bad = {"Authorization": "Basic " + base64.b64encode(b"rebound:guess").decode()}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=basic) as run:
            assert (await send(run, "/webhooks/rebound", envelope(), bad))[0] == 401
            assert (await send(run, "/webhooks/rebound", envelope(), good))[0] == 202
            assert (await send(run, TRACKING, tracking_body(), good))[0] == 202
            assert (await send(run, TRACKING, tracking_body(), bad))[0] == 401


def pubsub(body: bytes, message_id: str = "9001") -> bytes:
    message = {"data": base64.b64encode(body).decode(), "messageId": message_id, "attributes": {}}
    return json.dumps({"message": message, "subscription": "projects/p/subscriptions/rebound"}).encode()


async def test_a_pubsub_push_wrapped_or_unwrapped_ends_in_the_same_state(daemon: DaemonFactory) -> None:
    with anyio.fail_after(30):
        async with daemon(build_registry, env=HEADER_AUTH, push_token="push-token-abc") as run:
            assert (await send(run, "/events/rebound?token=wrong", pubsub(tracking_body())))[0] == 401
            status, taken = await send(run, "/events/rebound?token=push-token-abc", pubsub(tracking_body()))
            assert (status, taken["outcome"]) == (200, "stored")
            # Unwrapped (no envelope) and pushed again under another Pub/Sub id: the same update.
            headers = {"x-goog-pubsub-message-id": "9002"}
            again = await send(run, "/events/rebound?token=push-token-abc", tracking_body(), headers)
            assert again[1]["outcome"] == "duplicate"
            token = {"X-ReBound-Token": TOKEN}
            assert (await send(run, TRACKING, tracking_body(), token))[1]["outcome"] == "duplicate"
            assert await eventually(lambda: rebound_status(run, RETURN_ID), within=10) == "IN_TRANSIT"
            status, answer = await send(run, "/events/rebound?token=push-token-abc", b"{}")
            assert (status, answer["error"]["code"]) == (400, "invalid_push")


async def test_capture_keeps_refused_bodies_and_still_refuses(daemon: DaemonFactory) -> None:
    env = {**HEADER_AUTH, "BACKFLOW_CAPTURE_UNKNOWN": "1"}
    wrong = {"X-ReBound-Token": "a-guess", "Authorization": "Bearer leaked", "X-Custom": "kept"}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=env) as run:
            body = tracking_body(return_id="(00)captured")
            status, answer = await send(run, TRACKING, body, wrong)
            assert (status, answer["error"]["code"]) == (401, "unauthorized"), "answered as without capture"
            stored = await run.daemon.wiring.inbox.get(
                "rebound-capture", f"sha256:{hashlib.sha256(body).hexdigest()}"
            )
            assert stored is not None and stored.event.body == body
            assert stored.event.kind == TRACKING
            assert stored.event.headers["X-ReBound-Token"] == "***"
            assert stored.event.headers["Authorization"] == "***"
            assert stored.event.headers["X-Custom"] == "kept"
            assert stored.status.value == "failed", "never processed"
            await anyio.sleep(0.5)
            assert await case_of(run, "(00)captured") is None
