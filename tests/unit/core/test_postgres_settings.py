"""BACKFLOW_PG_*: the PostgreSQL pool and timeouts, each malformed value refused in one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from backflow.app.bootstrap.stores import pool_options
from backflow.app.core.postgres_settings import PostgresSettings
from backflow.app.core.settings import ConfigError, settings_from_env
from backflow.app.entrypoints.cli import main

# Commands install the JSON log handler on the root logger: put pytest's back after each test.
pytestmark = pytest.mark.usefixtures("keep_logging")


def test_the_defaults_are_what_the_adapter_used_before_they_were_settings() -> None:
    assert settings_from_env({}).postgres == PostgresSettings(
        pool_min=1,
        pool_max=10,
        connect_timeout_seconds=30.0,
        pool_timeout_seconds=30.0,
        statement_timeout_seconds=30.0,
        lock_timeout_seconds=0.0,
    )


def test_every_setting_is_read() -> None:
    env = {
        "BACKFLOW_PG_POOL_MIN": "2",
        "BACKFLOW_PG_POOL_MAX": "20",
        "BACKFLOW_PG_CONNECT_TIMEOUT_SECONDS": "5",
        "BACKFLOW_PG_POOL_TIMEOUT_SECONDS": "2.5",
        "BACKFLOW_PG_STATEMENT_TIMEOUT_SECONDS": "60",
        "BACKFLOW_PG_LOCK_TIMEOUT_SECONDS": "10",
    }
    assert settings_from_env(env).postgres == PostgresSettings(
        pool_min=2,
        pool_max=20,
        connect_timeout_seconds=5.0,
        pool_timeout_seconds=2.5,
        statement_timeout_seconds=60.0,
        lock_timeout_seconds=10.0,
    )


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("BACKFLOW_PG_POOL_MIN", "-1", "BACKFLOW_PG_POOL_MIN must be a whole number of at least 0, not '-1'"),
        ("BACKFLOW_PG_POOL_MAX", "0", "BACKFLOW_PG_POOL_MAX must be a whole number of at least 1, not '0'"),
        ("BACKFLOW_PG_POOL_MAX", "ten", "BACKFLOW_PG_POOL_MAX must be a whole number of at least 1"),
        ("BACKFLOW_PG_CONNECT_TIMEOUT_SECONDS", "soon", "must be a number of seconds, not 'soon'"),
        ("BACKFLOW_PG_POOL_TIMEOUT_SECONDS", "0", "must be between 0.001 and 86400 seconds, not '0'"),
        ("BACKFLOW_PG_STATEMENT_TIMEOUT_SECONDS", "-5", "must be between 0.001 and 86400 seconds"),
        ("BACKFLOW_PG_LOCK_TIMEOUT_SECONDS", "-1", "must be 0 or between 0.001 and 86400 seconds"),
    ],
)
def test_a_malformed_value_names_its_variable(name: str, value: str, why: str) -> None:
    with pytest.raises(ConfigError, match=rf"^{name}") as refused:
        settings_from_env({name: value})
    assert why in str(refused.value)


def test_a_pool_smaller_than_its_minimum_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"^BACKFLOW_PG_POOL_MAX \(2\) must be at least BACKFLOW_PG_POOL_MIN \(5\)"
    ):
        settings_from_env({"BACKFLOW_PG_POOL_MIN": "5", "BACKFLOW_PG_POOL_MAX": "2"})


def test_a_lock_timeout_that_could_never_fire_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^BACKFLOW_PG_LOCK_TIMEOUT_SECONDS \(30\) must be below"):
        settings_from_env({"BACKFLOW_PG_LOCK_TIMEOUT_SECONDS": "30"})


def test_a_one_off_command_caps_its_pool_but_keeps_the_timeouts() -> None:
    settings = settings_from_env({"BACKFLOW_PG_POOL_MIN": "4", "BACKFLOW_PG_STATEMENT_TIMEOUT_SECONDS": "9"})
    assert pool_options(settings)["max_connections"] == 10
    capped = pool_options(settings, most=2)
    assert (capped["min_connections"], capped["max_connections"]) == (2, 2)
    assert capped["statement_timeout"] == 9.0


def test_the_daemon_refuses_a_bad_pool_setting_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKFLOW_DB", "postgresql://backflow@127.0.0.1:1/backflow")
    monkeypatch.setenv("BACKFLOW_PG_POOL_MAX", "0")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("backflow: configuration error: BACKFLOW_PG_POOL_MAX must be") and err.count("\n") == 1
    )
