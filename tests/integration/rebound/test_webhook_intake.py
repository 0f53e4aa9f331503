"""The signed webhook intake: every rejection stores nothing, every signed body is kept exactly once."""

from __future__ import annotations

import hashlib
import json
import time

import aiohttp
import anyio
import pytest
from aiohttp.test_utils import TestServer

from backflow.adapters.memory.inbox import InMemoryInbox
from backflow.adapters.rebound import signature
from backflow.adapters.rebound.webhook import MAX_BODY
from backflow.domain.return_snapshot import decode_return_event
from tests.rebound_support import OLD_SECRET, SECRET, envelope, signed_headers

pytestmark = pytest.mark.anyio


async def _post(server: TestServer, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    url = server.make_url("/webhooks/rebound")
    async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
        return response.status, await response.read()


async def test_a_valid_event_is_stored_with_its_headers_and_trace(
    webhook_server, inbox: InMemoryInbox
) -> None:
    body = envelope("01EVENTA")
    headers = signed_headers(body, event_id="01EVENTA")
    headers["ReBound-Event-Type"] = "return_order.created"
    headers["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    with anyio.fail_after(10):
        status, _ = await _post(webhook_server, body, headers)
    assert status == 202
    stored = inbox.get("rebound", "01EVENTA")
    assert stored is not None
    assert stored.body == body
    assert stored.kind == "return_order.created"
    assert stored.quarantine_reason is None
    assert stored.headers["ReBound-Delivery-Attempt"] == "1"
    assert stored.headers["ReBound-Signature-Timestamp"].isdigit()
    assert stored.trace_ctx["traceparent"].startswith("00-0af7651916cd43dd8448eb211c80319c-")


@pytest.mark.parametrize(
    "case",
    ["wrong secret", "stale", "future", "tampered body", "missing header", "malformed header", "no v1"],
)
async def test_rejections_are_401_and_store_nothing(webhook_server, inbox: InMemoryInbox, case: str) -> None:
    body = envelope()
    now = time.time()
    headers = {
        "wrong secret": signed_headers(body, ("not-our-secret",)),
        "stale": signed_headers(body, at=now - 301),
        "future": signed_headers(body, at=now + 301),
        "tampered body": signed_headers(body),
        "missing header": {"Content-Type": "application/json"},
        "malformed header": {signature.SIGNATURE_HEADER: "v1=abc,t=notanumber"},
        "no v1": {signature.SIGNATURE_HEADER: f"t={int(now)}"},
    }[case]
    sent = body.replace(b"RB-7F3K2", b"RB-EVIL1") if case == "tampered body" else body
    with anyio.fail_after(10):
        status, answer = await _post(webhook_server, sent, headers)
    assert status == 401
    assert b"invalid_signature" in answer
    assert json.loads(answer)["error"].keys() == {"code", "message"}, "the daemon's one error shape"
    assert len(inbox) == 0


@pytest.mark.parametrize(
    "secrets", [(SECRET,), (OLD_SECRET,), ("retired", SECRET), (OLD_SECRET, "not-yet-known")], ids=str
)
async def test_rotation_accepts_any_v1_matching_any_configured_secret(
    webhook_server, inbox: InMemoryInbox, secrets: tuple[str, ...]
) -> None:
    body = envelope()
    with anyio.fail_after(10):
        status, _ = await _post(webhook_server, body, signed_headers(body, secrets))
    assert status == 202
    assert len(inbox) == 1


async def test_a_duplicate_is_answered_2xx_and_stored_once(webhook_server, inbox: InMemoryInbox) -> None:
    body = envelope("01DUP")
    with anyio.fail_after(10):
        first, _ = await _post(webhook_server, body, signed_headers(body))
        second, answer = await _post(webhook_server, body, signed_headers(body))
    assert (first, second) == (202, 200)
    assert b'"duplicate"' in answer
    assert len(inbox) == 1


async def test_bodies_over_one_mebibyte_are_refused_and_exactly_one_is_accepted(
    webhook_server, inbox: InMemoryInbox
) -> None:
    base = envelope("01BIG")
    exact = base + b" " * (MAX_BODY - len(base))  # trailing JSON whitespace keeps it an envelope
    over = exact + b" "
    assert len(exact) == MAX_BODY
    with anyio.fail_after(20):
        refused, _ = await _post(webhook_server, over, signed_headers(over))
        accepted, _ = await _post(webhook_server, exact, signed_headers(exact))
    assert refused == 413
    assert accepted == 202
    assert [event.body for event in inbox.events] == [exact]


async def test_an_oversized_chunked_body_is_refused_without_content_length(webhook_server, inbox) -> None:
    over = b"x" * (MAX_BODY + 1)

    async def chunks():
        for start in range(0, len(over), 65536):
            yield over[start : start + 65536]

    headers = signed_headers(over)
    with anyio.fail_after(20):
        async with aiohttp.ClientSession() as session:
            url = webhook_server.make_url("/webhooks/rebound")
            async with session.post(url, data=chunks(), headers=headers) as response:
                assert response.status == 413
    assert len(inbox) == 0


@pytest.mark.parametrize(
    ("body", "event_id"),
    [(b"{not json", "01BROKEN"), (b'{"id": "x", "type": "t"}', None), (b"[1, 2, 3]", None)],
)
async def test_signed_garbage_is_quarantined_with_its_raw_body(
    webhook_server, inbox: InMemoryInbox, body: bytes, event_id: str | None
) -> None:
    with anyio.fail_after(10):
        status, _ = await _post(webhook_server, body, signed_headers(body, event_id=event_id))
    assert status == 400
    [stored] = inbox.events
    assert stored.body == body
    assert stored.quarantine_reason
    expected_id = event_id or f"sha256:{hashlib.sha256(body).hexdigest()}"
    assert stored.source_id == expected_id


async def test_unknown_types_and_values_are_accepted_and_kept(webhook_server, inbox: InMemoryInbox) -> None:
    body = envelope("01NEW", type="return_order.teleported")
    raw = body.replace(b'"CREATED"', b'"LEVITATING"')
    with anyio.fail_after(10):
        status, _ = await _post(webhook_server, raw, signed_headers(raw))
    assert status == 202
    [stored] = inbox.events
    event = decode_return_event(stored.body)
    assert not event.is_known_type
    assert event.data.unknown_values() == ["status=LEVITATING"]
