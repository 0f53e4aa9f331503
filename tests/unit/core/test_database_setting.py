"""BACKFLOW_DB: a path is SQLite, a postgresql:// URL is PostgreSQL, any other URL is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from backflow.app.bootstrap import configured_secrets
from backflow.app.core.settings import ConfigError, parse_database, settings_from_env
from backflow.app.entrypoints.cli import main

# Commands install the JSON log handler on the root logger: put pytest's back after each test.
pytestmark = pytest.mark.usefixtures("keep_logging")


@pytest.mark.parametrize("path", ["var/backflow.sqlite3", "/data/backflow.sqlite3", "db:with:colons.sqlite3"])
def test_a_plain_path_is_a_sqlite_file(path: str) -> None:
    assert parse_database(path) == (Path(path), None)


@pytest.mark.parametrize(
    "url", ["postgresql://user@host:5432/db", "postgres://u:p@h/db", "POSTGRESQL://h/db"]
)
def test_a_postgresql_url_selects_postgresql(url: str) -> None:
    assert parse_database(url)[1] == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("mysql://user@host/db", "mysql:// is not a supported database"),
        ("http://example.test/db", "http:// is not a supported database"),
        ("sqlite:///var/backflow.sqlite3", "sqlite:// URLs are not read; give a file path"),
    ],
)
def test_any_other_url_is_refused_naming_the_variable(url: str, why: str) -> None:
    with pytest.raises(ConfigError, match=r"^BACKFLOW_DB: ") as refused:
        parse_database(url)
    assert why in str(refused.value)


def test_a_postgresql_url_no_longer_becomes_a_sqlite_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to be Path('postgresql://user@host/db'): a SQLite file under a folder `postgresql:`."""
    monkeypatch.chdir(tmp_path)
    settings = settings_from_env({"BACKFLOW_DB": "postgresql://user:s3cret@host/db"})
    assert settings.db_url == "postgresql://user:s3cret@host/db"
    assert "s3cret" not in repr(settings) and "postgresql://user:<redacted>@host/db" in repr(settings)
    assert "s3cret" in configured_secrets({"BACKFLOW_DB": settings.db_url}), "masked in the logs too"
    assert list(tmp_path.iterdir()) == []


def test_the_daemon_refuses_an_unsupported_url_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKFLOW_DB", "mysql://user@host/db")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backflow: configuration error: BACKFLOW_DB: mysql://") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [], "no SQLite file, no `mysql:` folder"
