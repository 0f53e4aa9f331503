"""Bodies as a real network delivers them: in ~1,448-byte TCP segments with pauses, over a raw socket,
to the daemon's own HTTP app. Every inbound endpoint reads the whole body up to its cap, answers 413
beyond it (before reading when Content-Length says so, at the cap when chunked) and stores nothing."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import pytest

from backflow.app.entrypoints.http.body import MAX_BODY
from tests.integration.runtime.conftest import DaemonFactory, Running, registry
from tests.integration.runtime.raw_http import post
from tests.integration.runtime.test_push_intake import MESSAGE, push
from tests.rebound_support import envelope, signed_headers

pytestmark = pytest.mark.anyio
FRAMINGS = ["content-length", "chunked"]


def push_of_size(size: int, message_id: str) -> bytes:
    """A valid Pub/Sub push envelope of about `size` bytes (padding inside the order message)."""
    message = MESSAGE | {"id": message_id}
    base = len(push(message | {"padding": ""}))
    return push(message | {"padding": "x" * max((size - base) * 3 // 4, 0)})


def port_of(run: Running) -> int:
    port = urlsplit(run.url).port
    assert port is not None
    return port


def inbox_rows(tmp_path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(tmp_path / "backflow.sqlite3") as conn:
        return conn.execute("SELECT source, source_id, length(body) FROM inbox ORDER BY seq").fetchall()


@pytest.mark.parametrize("framing", FRAMINGS)
async def test_pushes_sent_in_small_segments_arrive_whole(
    daemon: DaemonFactory, tmp_path: Path, framing: str
) -> None:
    with anyio.fail_after(90):
        async with daemon(registry()) as run:
            for n, size in enumerate((3_000, 67_000, 987_000)):
                message_id = f"8b7f1c2e-5d4a-4f7e-9c1b-{framing[:4]}{n:08d}"
                body = push_of_size(size, message_id)
                answer = await post(
                    port_of(run), "/events/commercetools", body, chunked_body=framing == "chunked"
                )
                assert (answer.status, answer.json()) == (200, {"id": message_id, "outcome": "stored"}), (
                    size,
                    answer.body[:300],
                )
                stored = await run.daemon.wiring.inbox.get("commercetools", message_id)
                assert stored is not None and stored.event.quarantine_reason is None
                payload = json.loads(stored.event.body)
                assert payload == json.loads(base64.b64decode(json.loads(body)["message"]["data"]))
                assert payload["id"] == message_id and len(stored.event.body) > size * 0.7


@pytest.mark.parametrize("framing", FRAMINGS)
async def test_an_over_limit_push_is_413_and_nothing_is_stored(
    daemon: DaemonFactory, tmp_path: Path, framing: str
) -> None:
    body = push_of_size(2_200_000, "8b7f1c2e-5d4a-4f7e-9c1b-000000000bad")
    with anyio.fail_after(60):
        async with daemon(registry()) as run:
            answer = await post(
                port_of(run),
                "/events/commercetools",
                body,
                chunked_body=framing == "chunked",
                wait_before_body=3.0 if framing == "content-length" else 0.0,
            )
            assert answer.status == 413, answer.body[:300]
            assert answer.json()["error"]["code"] == "body_too_large"
            if framing == "content-length":
                assert answer.sent == 0, "refused on the declared length, before any of the body was read"
            else:
                assert MAX_BODY <= answer.sent < answer.total, "read up to the cap, then cut"
            assert inbox_rows(tmp_path) == []


@pytest.mark.parametrize("framing", FRAMINGS)
async def test_a_webhook_sent_in_small_segments_arrives_whole(
    daemon: DaemonFactory, tmp_path: Path, framing: str
) -> None:
    base = envelope(f"01SEGMENTED{framing[:4].upper()}")
    body = base + b" " * (900_000 - len(base))  # trailing JSON whitespace keeps it an envelope
    with anyio.fail_after(60):
        async with daemon(registry()) as run:
            answer = await post(
                port_of(run),
                "/webhooks/rebound",
                body,
                headers=signed_headers(body),
                chunked_body=framing == "chunked",
            )
            assert answer.status == 202, answer.body[:300]
            assert inbox_rows(tmp_path) == [("rebound", f"01SEGMENTED{framing[:4].upper()}", len(body))]


@pytest.mark.parametrize("framing", FRAMINGS)
async def test_an_over_limit_webhook_is_413_and_nothing_is_stored(
    daemon: DaemonFactory, tmp_path: Path, framing: str
) -> None:
    base = envelope("01OVERLIMIT")
    body = base + b" " * (2_200_000 - len(base))
    with anyio.fail_after(60):
        async with daemon(registry()) as run:
            answer = await post(
                port_of(run),
                "/webhooks/rebound",
                body,
                headers=signed_headers(body),
                chunked_body=framing == "chunked",
                wait_before_body=3.0 if framing == "content-length" else 0.0,
            )
            assert answer.status == 413, answer.body[:300]
            if framing == "content-length":
                assert answer.sent == 0
            else:
                assert MAX_BODY <= answer.sent < answer.total
            assert inbox_rows(tmp_path) == []
