"""BACKFLOW_PG_* reach the pool and every pooled session; a lock or statement timeout is the
statement's failure, never a lost server; check-config reports the server and the pool it will use."""

from __future__ import annotations

import socket

import anyio
import psycopg
import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.bootstrap.database_check import database_check
from backflow.app.bootstrap.stores import open_store
from backflow.app.core.settings import settings_from_env
from backflow.ports.outbox import OutboxMessage

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]

SHORT = {
    "BACKFLOW_PG_POOL_MIN": "2",
    "BACKFLOW_PG_POOL_MAX": "3",
    "BACKFLOW_PG_CONNECT_TIMEOUT_SECONDS": "5",
    "BACKFLOW_PG_POOL_TIMEOUT_SECONDS": "4",
    "BACKFLOW_PG_STATEMENT_TIMEOUT_SECONDS": "1.5",
    "BACKFLOW_PG_LOCK_TIMEOUT_SECONDS": "0.2",
}


async def test_the_pool_and_each_session_take_the_settings(postgres_dsn: str) -> None:
    settings = settings_from_env({"BACKFLOW_DB": postgres_dsn, **SHORT})
    with anyio.fail_after(20):
        async with open_store(settings, clock=SystemClock(), ids=Uuid7Generator()) as store:
            assert isinstance(store, PostgresStore)
            pool = store.db.pool
            assert (pool.min_size, pool.max_size, pool.timeout) == (2, 3, 4.0)
            row = await store.db.fetchone(
                "SELECT current_setting('statement_timeout') AS statement,"
                " current_setting('lock_timeout') AS lock",
                {},
            )
            assert row == {"statement": "1500ms", "lock": "200ms"}


async def test_a_lock_wait_past_the_lock_timeout_fails_the_statement_not_the_store(postgres_dsn: str) -> None:
    settings = settings_from_env({"BACKFLOW_DB": postgres_dsn, **SHORT})
    with anyio.fail_after(20):
        async with open_store(settings, clock=SystemClock(), ids=Uuid7Generator()) as store:
            appended = await store.outbox.append(
                OutboxMessage(kind="restock", payload=b"{}", idempotency_key="k")
            )
            async with await psycopg.AsyncConnection.connect(postgres_dsn) as holder:
                await holder.execute("SELECT 1 FROM outbox WHERE id = %s FOR UPDATE", (appended.id,))
                with pytest.raises(psycopg.errors.LockNotAvailable):
                    await store.db.execute(
                        "UPDATE outbox SET attempts = attempts + 1 WHERE id = %(id)s", {"id": appended.id}
                    )
                await holder.rollback()
            assert store.db.unreachable is None, "the server is there: /readyz must not say otherwise"
            assert (
                await store.db.execute(
                    "UPDATE outbox SET attempts = 1 WHERE id = %(id)s", {"id": appended.id}
                )
                == 1
            )


async def test_a_statement_past_the_statement_timeout_is_cancelled(postgres_dsn: str) -> None:
    settings = settings_from_env({"BACKFLOW_DB": postgres_dsn, **SHORT})
    with anyio.fail_after(20):
        async with open_store(settings, clock=SystemClock(), ids=Uuid7Generator()) as store:
            with pytest.raises(psycopg.errors.QueryCanceled):
                await store.db.fetchone("SELECT pg_sleep(5)", {})
            assert store.db.unreachable is None


async def test_check_config_reports_the_server_and_its_pool(postgres_dsn: str) -> None:
    settings = settings_from_env({"BACKFLOW_DB": postgres_dsn, **SHORT})
    with anyio.fail_after(20):
        check = await database_check(settings)
    assert check.ok, check.line()
    assert check.message.startswith("PostgreSQL 1") and "pool 2-3 connections" in check.message
    assert "statement timeout 1.5 s, lock timeout 0.2 s" in check.message


async def test_check_config_names_an_unreachable_server() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = settings_from_env({"BACKFLOW_DB": f"postgresql://backflow:pw@127.0.0.1:{port}/backflow"})
    with anyio.fail_after(20):
        check = await database_check(settings)
    assert not check.ok
    assert check.line().startswith(
        f"[FAIL] database (BACKFLOW_DB): postgresql://backflow:<redacted>@127.0.0.1:{port}"
    )
    assert "cannot open the PostgreSQL store" in check.message and "pw" not in check.message
