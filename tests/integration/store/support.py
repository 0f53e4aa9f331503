"""Helpers for the store contract suite: a clock the test moves by hand, messages, the opener type."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Protocol

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.sqlite.store import SqliteStore
from backflow.ports.outbox import OutboxMessage, RetryPolicy

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

Store = SqliteStore | PostgresStore


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


class OpenStore(Protocol):
    """Opens the test's database (the same one every time: a reopen is a restart)."""

    def __call__(
        self,
        clock: FakeClock,
        *,
        policy: RetryPolicy | None = None,
        random01: Callable[[], float] = ...,
    ) -> AbstractAsyncContextManager[Store]: ...


def message(
    key: str, kind: str = "restock", payload: bytes = b"{}", *, lock_key: str | None = None
) -> OutboxMessage:
    return OutboxMessage(
        kind=kind, payload=payload, idempotency_key=key, trace_ctx={"traceparent": key}, lock_key=lock_key
    )
