"""The simulators as a new user meets them: `backflow sim NAME --help` under that name, every option
described, `--client-id` on both, and the credentials taken from the same CTP_*/REBOUND_* variables
as the daemon, so one set of exported variables starts all three."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from backflow.devtools.commercetools_sim.__main__ import build_parser as ct_parser
from backflow.devtools.rebound_sim.__main__ import build_parser as rb_parser

BACKFLOW = str(Path(sys.executable).parent / "backflow")
PARSERS: dict[str, Callable[..., argparse.ArgumentParser]] = {
    "commercetools": ct_parser,
    "rebound": rb_parser,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_help_is_under_the_backflow_name_and_describes_every_option(name: str) -> None:
    shown = subprocess.run([BACKFLOW, "sim", name, "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"usage: backflow sim {name} "), shown.stdout[:200]
    assert "python -m" not in shown.stdout
    for action in PARSERS[name]()._actions:
        assert action.help and action.help != argparse.SUPPRESS, f"{action.dest} has no description"
        assert action.option_strings[-1] in shown.stdout
    assert "--client-id" in shown.stdout


@pytest.mark.parametrize(
    ("name", "env", "expected"),
    [
        (
            "commercetools",
            {"CTP_PROJECT_KEY": "acme", "CTP_CLIENT_ID": "acme-id", "CTP_CLIENT_SECRET": "acme-secret"},
            {"project_key": "acme", "client_id": "acme-id", "client_secret": "acme-secret"},
        ),
        (
            "rebound",
            {
                "REBOUND_CLIENT_ID": "acme-rb",
                "REBOUND_CLIENT_SECRET": "rb-secret",
                "REBOUND_WEBHOOK_SECRET": "whsec-new,whsec-old",
                "REBOUND_FLOW_KEY": "flow-1",
            },
            {
                "client_id": "acme-rb",
                "client_secret": "rb-secret",
                "webhook_secret": "whsec-new,whsec-old",
                "flow_key": "flow-1",
            },
        ),
    ],
)
def test_credentials_default_from_the_daemons_variables_and_flags_win(
    name: str, env: dict[str, str], expected: dict[str, str]
) -> None:
    parsed = vars(PARSERS[name](env=env).parse_args([]))
    assert {k: parsed[k] for k in expected} == expected
    assert vars(PARSERS[name](env=env).parse_args(["--client-id", "flag-id"]))["client_id"] == "flag-id"
    assert vars(PARSERS[name](env={}).parse_args([]))["client_id"] in ("sim-client", "backflow")


def test_one_set_of_exported_variables_starts_all_three(tmp_path: Path) -> None:
    ct_port, rb_port, daemon_port = free_port(), free_port(), free_port()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "REBOUND_", "BACKFLOW_"))}
    exported = keep | {
        "CTP_PROJECT_KEY": "acme-shop",
        "CTP_CLIENT_ID": "acme-backflow",
        "CTP_CLIENT_SECRET": "acme-ct-secret-0123",
        "CTP_AUTH_URL": f"http://127.0.0.1:{ct_port}",
        "CTP_API_URL": f"http://127.0.0.1:{ct_port}",
        "REBOUND_API_URL": f"http://127.0.0.1:{rb_port}",
        "REBOUND_CLIENT_ID": "acme-returns",
        "REBOUND_CLIENT_SECRET": "acme-rb-secret-0123",
        "REBOUND_WEBHOOK_SECRET": "acme-whsec-0123",
        "BACKFLOW_DB": str(tmp_path / "backflow.sqlite3"),
        "BACKFLOW_HTTP_PORT": str(daemon_port),
        "BACKFLOW_LOG_LEVEL": "WARNING",
        "OTEL_SDK_DISABLED": "true",
    }
    commands = [
        [BACKFLOW, "sim", "commercetools", "--port", str(ct_port)],
        [BACKFLOW, "sim", "rebound", "--port", str(rb_port)],
        [BACKFLOW, "run"],
    ]
    logs = [(tmp_path / f"{n}.log").open("wb") for n in range(3)]
    processes = [
        subprocess.Popen(c, env=exported, stdout=log, stderr=log)
        for c, log in zip(commands, logs, strict=True)
    ]
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in processes), [p.returncode for p in processes]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{daemon_port}/readyz", timeout=2) as r:
                    answer = (r.status, json.loads(r.read()))
                    break
            except urllib.error.HTTPError as refused:
                answer = (refused.code, json.loads(refused.read()))
            except OSError:
                pass
            time.sleep(0.2)
        assert answer == (200, {"ready": True, "reasons": []}), answer
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=30) for process in processes]
        for log in logs:
            log.close()
    assert codes[2] == 0, (tmp_path / "2.log").read_text()[-2000:]
