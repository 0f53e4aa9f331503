"""The composition root opens the store BACKFLOW_DB names, and says in one line when it cannot."""

from __future__ import annotations

import socket
from pathlib import Path

import anyio
import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.bootstrap.stores import open_admin_store, open_report_source, open_store
from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.settings import Settings, settings_from_env
from backflow.app.core.startup_errors import ExitCode
from backflow.app.entrypoints.cli.run import serve

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("keep_logging")]


async def test_a_path_opens_sqlite(tmp_path: Path) -> None:
    settings = settings_from_env({"BACKFLOW_DB": str(tmp_path / "sub" / "db.sqlite3")})
    with anyio.fail_after(10):
        async with open_store(settings, clock=SystemClock(), ids=Uuid7Generator()) as store:
            assert isinstance(store, SqliteStore)
            await store.admin.probe_write()
    assert (tmp_path / "sub" / "db.sqlite3").exists()


@pytest.mark.postgresql
async def test_a_postgresql_url_opens_postgresql_and_creates_no_file(
    postgres_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = settings_from_env({"BACKFLOW_DB": postgres_dsn})
    with anyio.fail_after(20):
        async with open_store(settings, clock=SystemClock(), ids=Uuid7Generator()) as store:
            assert isinstance(store, PostgresStore)
            await store.admin.probe_write()
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []


@pytest.mark.postgresql
async def test_the_one_off_commands_open_postgresql_with_a_small_pool(postgres_dsn: str) -> None:
    """`backflow report` and `backflow inbox export` (the admin reads) on a PostgreSQL store; the
    admin reads used to name PostgresStore without importing it (a NameError)."""
    settings = settings_from_env({"BACKFLOW_DB": postgres_dsn, "BACKFLOW_PG_POOL_MAX": "6"})
    with anyio.fail_after(20):
        async with open_admin_store(settings) as admin:
            assert await admin.queue_counts() is not None
        async with open_report_source(settings) as source:
            assert await source.return_cases() == []


def test_an_unreachable_postgresql_stops_the_start_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Every other setting is valid (the APIs themselves are never reached: the store fails first).
    for name, value in {
        "REBOUND_WEBHOOK_SECRET": "whsec-test",
        "CTP_PROJECT_KEY": "shop",
        "CTP_CLIENT_ID": "id",
        "CTP_CLIENT_SECRET": "secret",
        "CTP_AUTH_URL": f"http://127.0.0.1:{port}",
        "CTP_API_URL": f"http://127.0.0.1:{port}",
        "REBOUND_API_URL": f"http://127.0.0.1:{port}",
        "REBOUND_CLIENT_ID": "id",
        "REBOUND_CLIENT_SECRET": "secret",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(db_url=f"postgresql://backflow@127.0.0.1:{port}/backflow", http_port=0)
    registry = FlowRegistry(outbox_handlers={}, actors=[], inbox_handlers={}, jobs=[])
    assert serve(settings, registry) == ExitCode.DATABASE
    err = capsys.readouterr().err
    assert err.startswith(
        f"backflow: cannot start: BACKFLOW_DB: postgresql://backflow@127.0.0.1:{port}/backflow:"
    )
    assert "cannot open the PostgreSQL store" in err
    assert err.count("\n") == 1 and "Connection refused" in err
    assert list(tmp_path.iterdir()) == []
