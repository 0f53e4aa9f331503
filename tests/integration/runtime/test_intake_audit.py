"""Refused intake requests are logged (reason, never the secret or signature) and counted by reason in
the overview; an event id delivered again with a different body keeps the first and is a conflict."""

from __future__ import annotations

import hashlib
import json
import logging
import time

import anyio
import pytest

from backflow.adapters.rebound import signature
from tests.integration.runtime.conftest import DaemonFactory, Running, registry
from tests.integration.runtime.test_push_intake import MESSAGE, push
from tests.rebound_support import SECRET, envelope, signed_headers

pytestmark = pytest.mark.anyio


async def webhook(run: Running, body: bytes, headers: dict[str, str]) -> int:
    async with run.http.post(f"{run.url}/webhooks/rebound", data=body, headers=headers) as response:
        return response.status


async def push_status(run: Running, body: bytes, query: str = "") -> int:
    url = f"{run.url}/events/commercetools{query}"
    async with run.http.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        return response.status


def refused(overview: dict[str, object]) -> dict[tuple[str, str], int]:
    intake = overview["intake"]
    assert isinstance(intake, dict)
    return {(r["source"], r["reason"]): r["count"] for r in intake["refused"]}


async def test_refusals_are_logged_and_counted_by_reason(
    daemon: DaemonFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="backflow.app.intake")
    body = envelope("01REFUSED")
    wrong = signed_headers(body, ("not-our-secret",))
    stale = signed_headers(body, at=time.time() - 301)
    with anyio.fail_after(20):
        async with daemon(registry(), push_token="push-token-0123456789") as run:
            assert await webhook(run, body, wrong) == 401
            assert await webhook(run, body, wrong) == 401
            assert await webhook(run, body, stale) == 401
            assert await webhook(run, body, {"Content-Type": "application/json"}) == 401
            assert await webhook(run, b"x" * (1024 * 1024 + 1), signed_headers(body)) == 413
            not_envelope = b'{"hello": "world"}'
            assert await webhook(run, not_envelope, signed_headers(not_envelope)) == 400
            assert await push_status(run, push(MESSAGE), "?token=wrong-token") == 401
            assert await push_status(run, b"not json", "?token=push-token-0123456789") == 400
            assert await webhook(run, body, signed_headers(body)) == 202, "an accepted one is not counted"
            status, overview = await run.get("/api/overview")
    assert status == 200
    assert refused(overview) == {
        ("rebound", "signature_mismatch"): 2,
        ("rebound", "timestamp_outside_tolerance"): 1,
        ("rebound", "signature_missing"): 1,
        ("rebound", "body_too_large"): 1,
        ("rebound", "invalid_envelope"): 1,
        ("commercetools", "unauthorized"): 1,
        ("commercetools", "invalid_push"): 1,
    }
    lines = [r for r in caplog.records if r.name == "backflow.app.intake"]
    assert len(lines) == 8 and all(r.levelno == logging.WARNING for r in lines)
    assert sorted({r.reason for r in lines}) == sorted(  # type: ignore[attr-defined]
        {reason for _, reason in refused(overview)}
    )
    logged = caplog.text + "".join(json.dumps(vars(r), default=str) for r in lines)
    for secret in ("not-our-secret", SECRET, "wrong-token", "push-token-0123456789"):
        assert secret not in logged
    assert wrong[signature.SIGNATURE_HEADER].split("v1=")[1] not in logged, "never the signature"


async def test_the_same_event_id_with_another_body_keeps_the_first_and_is_a_conflict(
    daemon: DaemonFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="backflow.app.intake")
    first = envelope("01CONFLICT", sequence=1)
    second = envelope("01CONFLICT", sequence=2)
    with anyio.fail_after(20):
        async with daemon(registry()) as run:
            assert await webhook(run, first, signed_headers(first)) == 202
            assert await webhook(run, first, signed_headers(first)) == 200, "a plain duplicate"
            _, overview = await run.get("/api/overview")
            assert overview["intake"]["conflicts"] == 0
            assert await webhook(run, second, signed_headers(second)) == 200
            assert await webhook(run, second, signed_headers(second)) == 200, "the same conflict again"

            stored = await run.daemon.wiring.inbox.get("rebound", "01CONFLICT")
            assert stored is not None and stored.event.body == first, "the first body is kept"
            _, overview = await run.get("/api/overview")
            assert overview["intake"]["conflicts"] == 2
            _, listed = await run.get("/api/exceptions?type=event_conflict")
    [conflict] = listed["items"]
    assert conflict["owner"] == "operations" and conflict["count"] == 2
    evidence = conflict["evidence"]
    assert evidence["event_id"] == "01CONFLICT" and evidence["kept"] == "first"
    assert evidence["first_sha256"] == hashlib.sha256(first).hexdigest()
    assert evidence["second_sha256"] == hashlib.sha256(second).hexdigest()
    warnings = [r for r in caplog.records if r.name == "backflow.app.intake"]
    assert [r.levelno for r in warnings] == [logging.WARNING] * 2
    assert "different body" in warnings[0].getMessage()
