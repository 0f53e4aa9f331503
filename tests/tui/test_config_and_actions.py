"""How `backflow tui` finds the daemon, and which actions an exception offers (pure, no daemon)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backflow.app.entrypoints.cli import build_parser
from backflow.app.entrypoints.http.views import ExceptionView
from backflow.tui.actions import allowed, moves_money, prompt_for
from backflow.tui.config import ConfigError, read_env_file, resolve_config
from backflow.tui.format import duration, money
from backflow.tui.history import Backoff


def test_environment_env_file_and_flags_in_that_order(tmp_path: Path) -> None:
    env = {"BACKFLOW_HTTP_HOST": "0.0.0.0", "BACKFLOW_HTTP_PORT": "9100", "BACKFLOW_ADMIN_TOKEN": "from-env"}
    config = resolve_config(env)
    assert (config.url, config.token) == ("http://127.0.0.1:9100", "from-env"), (
        "a wildcard bind is reached locally"
    )
    demo = tmp_path / "demo.env"
    demo.write_text(
        "# written by make demo\nexport BACKFLOW_HTTP_PORT=9200\nBACKFLOW_ADMIN_TOKEN='demo token'\n\n"
    )
    config = resolve_config(env, env_file=demo)
    assert (config.url, config.token) == ("http://127.0.0.1:9200", "demo token")
    config = resolve_config(env, env_file=demo, url="http://127.0.0.1:7000/", token="flag")
    assert (config.url, config.token) == ("http://127.0.0.1:7000", "flag")
    assert "flag" not in repr(config) and "demo token" not in repr(resolve_config(env, env_file=demo))
    assert resolve_config({}).url == "http://127.0.0.1:8080" and resolve_config({}).token is None


@pytest.mark.parametrize(
    ("text", "error"),
    [("JUST_A_WORD\n", "expected KEY=value"), ("A='unterminated\n", "No closing quotation")],
)
def test_a_bad_env_file_says_where(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "bad.env"
    path.write_text(text)
    with pytest.raises(ConfigError, match=error):
        read_env_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        read_env_file(tmp_path / "missing.env")
    with pytest.raises(ConfigError, match="port"):
        resolve_config({"BACKFLOW_HTTP_PORT": "http"})
    with pytest.raises(ConfigError, match="http://"):
        resolve_config({}, url="127.0.0.1:8080")


def test_the_cli_has_a_tui_command_with_its_flags() -> None:
    args = build_parser().parse_args(
        ["tui", "--url", "http://127.0.0.1:1", "--token", "t", "--env-file", "x.env"]
    )
    assert (args.url, args.token, args.env_file) == ("http://127.0.0.1:1", "t", Path("x.env"))
    assert args.handler.__module__ == "backflow.app.entrypoints.cli.tui"


def _item(kind: str, actions: list[str], evidence: Any) -> ExceptionView:
    at = datetime(2026, 11, 21, tzinfo=UTC)
    return ExceptionView(
        id=1,
        type=kind,
        owner="finance",
        severity="error",
        state="open",
        dedupe_key=f"{kind}:RB-1",
        return_id="RB-1",
        order_ref="o-1",
        evidence=evidence,
        first_seen=at,
        last_seen=at,
        age_seconds=1.0,
        count=1,
        changed_by=None,
        changed_at=None,
        note=None,
        actions=actions,
    )


def test_decide_offers_only_the_decisions_the_evidence_allows() -> None:
    """The contract for `decide`: evidence.decision lists the options; approve_rebound may be refused."""
    options = [
        {"action": "approve_backflow", "amount": "21.00", "currency": "EUR"},
        {"action": "approve_rebound", "amount": "29.95", "currency": "EUR", "allowed": False},
        {"action": "reject"},
    ]
    item = _item("refund_mismatch", ["ack", "resolve", "decide"], {"decision": {"options": options}})
    assert allowed(item) == ["ack", "approve_backflow", "reject", "resolve"]
    options[1]["allowed"] = True
    assert allowed(item) == ["ack", "approve_backflow", "approve_rebound", "reject", "resolve"]
    prompt = prompt_for(item, "approve_backflow")
    assert prompt is not None and prompt.money and "21.00 EUR" in prompt.text
    reject = prompt_for(item, "reject")
    assert reject is not None and not reject.money and [f.name for f in reject.fields] == ["note"]
    orphan = _item("orphan_return", ["ack", "reanchor", "resolve"], {})
    assert allowed(orphan) == ["ack", "reanchor", "resolve"]
    reanchor = prompt_for(orphan, "reanchor")
    assert reanchor is not None and [f.name for f in reanchor.fields] == ["order_number", "note"]


def test_which_retries_move_money() -> None:
    refund = _item("dead_letter", ["retry"], {"retry": {"kind": "IssueRefund"}})
    restock = _item("restock_failed", ["retry"], {"retry": {"kind": "RestockItems"}})
    assert moves_money(refund, "retry") and not moves_money(restock, "retry")
    assert prompt_for(restock, "ack") is None, "acknowledging runs straight away"


def test_money_durations_and_backoff() -> None:
    assert (
        money(1284550, "EUR") == "12,845.50 EUR"
        and money(-5, "EUR") == "-0.05 EUR"
        and money(500, "JPY") == "500 JPY"
    )
    assert [duration(s) for s in (None, 4.25, 42, 125, 7300, 90000)] == [
        "—",
        "4.2s",
        "42s",
        "2m05s",
        "2h01m",
        "1d01h",
    ]
    backoff = Backoff(first=1, cap=5)
    assert [backoff.fail() for _ in range(5)] == [1, 2, 4, 5, 5]
    backoff.reset()
    assert backoff.fail() == 1
