"""Helpers for the store contract suite: a clock the test moves by hand, messages, the opener type."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Protocol

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.sqlite.store import SqliteStore
from backflow.ports.outbox import OutboxMessage, RetryPolicy
from backflow.ports.return_cases import ReturnCaseRecord

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


def new_case(return_id: str, at: datetime = START) -> ReturnCaseRecord:
    """A return case as intake first adds it (version 0): adding it twice is a conflict."""
    return ReturnCaseRecord(
        return_id=return_id,
        client_order_id="1001",
        ct_order_id=None,
        state="CREATED",
        last_sequence=1,
        snapshot=b"{}",
        version=0,
        created_at=at,
        updated_at=at,
    )
