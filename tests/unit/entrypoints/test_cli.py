"""`backflow`: every subcommand has help, and the commands that cannot run say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.settings import Settings
from backflow.app.entrypoints.cli import main
from backflow.app.entrypoints.cli.run import serve
from backflow.app.entrypoints.cli.sim import SIMULATOR_NAMES
from backflow.devtools.simulators import SIMULATORS

# Commands install the JSON log handler on the root logger: put pytest's back after each test.
pytestmark = pytest.mark.usefixtures("keep_logging")


@pytest.mark.parametrize(
    "argv",
    [[], ["run"], ["sim"], ["check-config"], ["reasons"], ["reasons", "reapply"], ["replay"], ["demo"]],
)
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    assert "usage: backflow" in capsys.readouterr().out


def test_sim_help_is_the_simulators_own(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sim", "rebound", "--help"])
    assert "--webhook-secret" in capsys.readouterr().out


def test_the_sim_command_offers_every_simulator() -> None:
    assert set(SIMULATOR_NAMES) == set(SIMULATORS)


def test_replay_needs_a_moment_with_a_timezone(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["replay", "--since", "2026-11-28T00:00:00"])
    assert exited.value.code == 2
    assert "timezone" in capsys.readouterr().err


def test_a_configuration_error_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFLOW_HTTP_PORT", "eighty")
    assert main(["run"]) == 2
    assert "BACKFLOW_HTTP_PORT must be a port number" in capsys.readouterr().err


def test_demo_refuses_a_day_too_small_to_show_anything(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--orders", "5"]) == 2
    assert "--orders must be at least 10" in capsys.readouterr().err


def test_a_start_up_failure_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("REBOUND_WEBHOOK_SECRET", raising=False)
    settings = Settings(db_path=tmp_path / "db.sqlite3", http_port=0)
    registry = FlowRegistry(outbox_handlers={}, actors=[], inbox_handlers={}, jobs=[])
    assert serve(settings, registry) == 2, "a missing setting is a configuration error (exit 2)"
    err = capsys.readouterr().err
    assert err.startswith("backflow: cannot start: REBOUND_WEBHOOK_SECRET is required")
    assert err.count("\n") == 1
