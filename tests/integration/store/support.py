"""Helpers for the SQLite tests: a clock the test moves by hand, and a store on a file in tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.sqlite.store import SqliteStore
from adapters.uuid7 import Uuid7Generator
from ports.outbox import OutboxMessage, RetryPolicy

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self._now = start
        self._monotonic = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds


@asynccontextmanager
async def open_store(
    path: Path,
    clock: FakeClock,
    *,
    policy: RetryPolicy | None = None,
    random01: Callable[[], float] = lambda: 0.5,
) -> AsyncIterator[SqliteStore]:
    async with SqliteStore.open(
        path, clock=clock, ids=Uuid7Generator(), policy=policy, random01=random01
    ) as store:
        yield store


def message(key: str, kind: str = "restock", payload: bytes = b"{}") -> OutboxMessage:
    return OutboxMessage(kind=kind, payload=payload, idempotency_key=key, trace_ctx={"traceparent": key})
