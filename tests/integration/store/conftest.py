"""One contract suite, two stores: every test here runs on SQLite and on PostgreSQL.

`open_store` is an opener rather than an opened store so that each test opens it inside its own
`anyio.fail_after` (a cancel scope cannot span a fixture's yield) and can reopen it (a restart).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.outbox import RetryPolicy
from tests.integration.store.support import FakeClock, OpenStore, Store


def _half() -> float:
    return 0.5


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> OpenStore:
    if request.param == "sqlite":
        path = tmp_path / "db.sqlite"

        def sqlite(
            clock: FakeClock, *, policy: RetryPolicy | None = None, random01: Callable[[], float] = _half
        ) -> AbstractAsyncContextManager[Store]:
            return SqliteStore.open(path, clock=clock, ids=Uuid7Generator(), policy=policy, random01=random01)

        return sqlite
    dsn: str = request.getfixturevalue("postgres_dsn")

    def postgresql(
        clock: FakeClock, *, policy: RetryPolicy | None = None, random01: Callable[[], float] = _half
    ) -> AbstractAsyncContextManager[Store]:
        return PostgresStore.open(dsn, clock=clock, ids=Uuid7Generator(), policy=policy, random01=random01)

    return postgresql
