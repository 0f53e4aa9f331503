"""`POST /events/commercetools`: Pub/Sub push envelopes stored durably before the 2xx, once each."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import anyio
import pytest

from tests.integration.runtime.conftest import DaemonFactory, Running, registry

pytestmark = pytest.mark.anyio

MESSAGE = {
    "notificationType": "Message",
    "projectKey": "backflow-sim",
    "id": "8b7f1c2e-5d4a-4f7e-9c1b-2a3d4e5f6a7b",
    "version": 1,
    "sequenceNumber": 1,
    "resource": {"typeId": "order", "id": "c1d2e3f4-0000-4000-8000-000000000001"},
    "resourceVersion": 1,
    "type": "OrderCreated",
    "order": {"id": "c1d2e3f4-0000-4000-8000-000000000001", "version": 1, "orderNumber": "100042"},
    "createdAt": "2026-11-29T10:15:30.123Z",
    "lastModifiedAt": "2026-11-29T10:15:30.123Z",
}


def push(data: dict[str, Any], pubsub_id: str = "1111") -> bytes:
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    return json.dumps({"message": {"data": encoded, "messageId": pubsub_id}, "subscription": "s"}).encode()


def cloud_event(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": message["id"],
        "type": "com.commercetools.order.message.OrderCreated",
        "source": "/backflow-sim/orders",
        "data": message,
    }


async def post(run: Running, body: bytes, query: str = "") -> tuple[int, Any]:
    url = f"{run.url}/events/commercetools{query}"
    async with run.http.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        return response.status, await response.json()


async def test_platform_and_cloudevents_pushes_are_stored_once(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            inbox = run.daemon.wiring.inbox
            assert await post(run, push(MESSAGE)) == (200, {"id": MESSAGE["id"], "outcome": "stored"})
            stored = await inbox.get("commercetools", MESSAGE["id"])
            assert stored is not None and stored.event.kind == "OrderCreated"
            assert json.loads(stored.event.body)["order"]["orderNumber"] == "100042"
            assert stored.event.trace_ctx["traceparent"].startswith("00-"), (
                "the request's span, for the processor"
            )
            # Pub/Sub redelivers under a new Pub/Sub id: the commercetools message id dedupes it.
            assert await post(run, push(MESSAGE, "2222")) == (
                200,
                {"id": MESSAGE["id"], "outcome": "duplicate"},
            )

            second = MESSAGE | {"id": "9c8d7e6f-0000-4000-8000-000000000002", "type": "OrderImported"}
            status, body = await post(run, push(cloud_event(second)))
            assert (status, body["outcome"]) == (200, "stored")
            stored = await inbox.get("commercetools", second["id"])
            assert stored is not None and stored.event.kind == "OrderImported"


async def test_a_malformed_push_is_quarantined_and_refused(daemon: DaemonFactory) -> None:
    bodies = (b"not json", json.dumps({"message": {"data": "%%%"}}).encode(), push({"nothing": 1}))
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            for body in (*bodies, bodies[0]):  # the same bad body twice is kept once
                status, answer = await post(run, body)
                assert (status, answer["error"]["code"]) == (400, "invalid_push")
            for body in bodies:
                source_id = f"sha256:{hashlib.sha256(body).hexdigest()}"
                stored = await run.daemon.wiring.inbox.get("commercetools", source_id)
                assert stored is not None and stored.event.body == body, "kept verbatim"
                assert stored.event.quarantine_reason
            status, overview = await run.get("/api/overview")
            assert overview["inbox"]["quarantined"] == 3


async def test_the_push_token_when_configured(daemon: DaemonFactory) -> None:
    with anyio.fail_after(20):
        async with daemon(registry(), push_token="push-secret-123") as run:
            assert (await post(run, push(MESSAGE)))[0] == 401
            assert (await post(run, push(MESSAGE), "?token=wrong"))[0] == 401
            assert (await post(run, push(MESSAGE), "?token=push-secret-123"))[0] == 200
            assert await run.daemon.wiring.inbox.get("commercetools", MESSAGE["id"]) is not None
