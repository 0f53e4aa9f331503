"""Capture mode on a real SQLite inbox: credentials masked, bodies verbatim, a rate limit, never
processed, and `backflow inbox export --quarantined` writing them as JSON lines."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.core.settings import Settings
from backflow.app.entrypoints.cli.inbox import quarantined_lines
from backflow.app.entrypoints.http.capture import ALWAYS_MASKED, MASK, SOURCE, Capture, capture_enabled
from backflow.ports.inbox import InboxStatus

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return datetime(2026, 11, 21, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.seconds


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    async with SqliteStore.open(tmp_path / "b.sqlite3", clock=SystemClock(), ids=Uuid7Generator()) as opened:
        yield opened


async def test_credentials_are_masked_the_body_kept_and_nothing_processed(
    store: SqliteStore, tmp_path: Path
) -> None:
    capture = Capture(store.inbox, Clock(), ALWAYS_MASKED | {"x-rebound-token"})
    headers = {
        "Authorization": "Basic c2VjcmV0",
        "ReBound-Signature": "t=1,v1=abc",
        "X-ReBound-Token": "tok-9f3e",
        "Content-Type": "application/json",
    }
    with anyio.fail_after(10):
        assert await capture.refused("/webhooks/rebound/tracking", headers, b"\xffraw", "wrong token")
        assert await capture.refused("/events/rebound", {}, b'{"order": {}}', "push token")
        assert await store.inbox.pending(limit=10) == [], "settled at once: the processor never sees them"
        lines = await quarantined_lines(Settings(db_path=tmp_path / "b.sqlite3"))
    first, second = (json.loads(line) for line in lines.splitlines())
    assert first["source"] == SOURCE and first["kind"] == "/webhooks/rebound/tracking"
    assert first["headers"] == {
        "Authorization": MASK,
        "ReBound-Signature": MASK,
        "X-ReBound-Token": MASK,
        "Content-Type": "application/json",
    }
    assert first["body_base64"] == "/3Jhdw==" and first["reason"] == "captured (wrong token)"
    assert first["status"] == InboxStatus.FAILED.value
    assert second["body"] == {"order": {}}
    assert "tok-9f3e" not in lines and "c2VjcmV0" not in lines


async def test_at_most_per_minute_samples_are_kept(store: SqliteStore) -> None:
    clock = Clock()
    capture = Capture(store.inbox, clock, per_minute=3)
    with anyio.fail_after(10):
        kept = [await capture.refused("/events/rebound", {}, f"body {n}".encode(), "x") for n in range(5)]
        assert kept == [True, True, True, False, False]
        clock.seconds += 60
        assert await capture.refused("/events/rebound", {}, b"next minute", "x")
        counts = await store.admin.inbox_counts()
    assert counts.quarantined == 4 and counts.pending == 0


def test_capture_is_off_by_default() -> None:
    assert not capture_enabled({})
    assert capture_enabled({"BACKFLOW_CAPTURE_UNKNOWN": "1"})
    assert not capture_enabled({"BACKFLOW_CAPTURE_UNKNOWN": "0"})
