"""The SQLite-only tests' store: a SqliteStore on a file in tmp_path (the contract suite's helpers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.outbox import RetryPolicy
from tests.integration.store.support import START, FakeClock, message

__all__ = ["START", "FakeClock", "message", "open_store"]


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
