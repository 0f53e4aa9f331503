"""Shared test configuration: hypothesis profiles, the anyio backend, markers by folder, and the
PostgreSQL server the `postgresql` tests share (started once per session, on first use)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from backflow.devtools.postgres_server import PostgresServer, PostgresUnavailableError, find_bindir

# CI asks for at least 1,000 examples per property; a developer's quick run takes fewer.
settings.register_profile(
    "ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

_FOLDER_MARKERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "tui": "tui"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test is marked by the folder it lives in, so `-m unit` etc. select tiers."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in _FOLDER_MARKERS:
            item.add_marker(getattr(pytest.mark, _FOLDER_MARKERS[parts[0]]))


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """The root logger's handlers and level put back after the test (commands configure them)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def anyio_backend() -> str:
    # aiosqlite and the OpenTelemetry hooks rely on asyncio futures: pin the backend.
    return "asyncio"


# ---------------------------------------------------------------- PostgreSQL

TEMPLATE = "backflow_template"
_database_numbers = itertools.count(1)


def _unavailable(reason: Exception) -> None:
    # On CI the server is part of the suite (`make test` installs it): its absence is a failure there.
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run: {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


async def _migrate(dsn: str) -> None:
    from psycopg.rows import dict_row

    from backflow.adapters.postgresql.database import Connection
    from backflow.adapters.postgresql.migrate import migrate

    async with await Connection.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        await migrate(conn)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Our own server on 127.0.0.1 and a temporary directory, with a migrated template database."""
    try:
        server = PostgresServer(find_bindir())
    except PostgresUnavailableError as exc:
        _unavailable(exc)
    try:
        server.start()
        with psycopg.connect(server.dsn(), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
        asyncio.run(_migrate(server.dsn(TEMPLATE)))
    except PostgresUnavailableError as exc:
        server.stop()
        _unavailable(exc)
    except BaseException:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


def _fresh_database(server: PostgresServer, template: str) -> Iterator[str]:
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    with psycopg.connect(server.dsn(), autocommit=True) as admin:
        # FILE_COPY (PostgreSQL 15+) clones a small template about three times faster than WAL_LOG.
        strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}{strategy}")
    try:
        yield server.dsn(name)
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def postgres_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of its own for one test, at the latest schema (cloned from the template: fast)."""
    yield from _fresh_database(postgres_server, TEMPLATE)


@pytest.fixture
def postgres_empty_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of its own for one test, without any table (for the migration tests)."""
    yield from _fresh_database(postgres_server, "template0")
