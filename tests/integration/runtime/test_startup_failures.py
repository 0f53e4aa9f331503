"""`backflow run` as a user meets it, in a subprocess: every start-up failure is exactly one line on
stderr naming the setting and what was found, an exit code per kind, and no traceback (which goes
to the log at debug level). An API that does not answer at start is still retried, not a failure."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from backflow.app.core.startup_errors import ExitCode
from tests.integration.runtime.conftest import Sims

BACKFLOW = str(Path(sys.executable).parent / "backflow")
RUN_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(tmp_path: Path, sims_env: dict[str, str], **changes: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("CTP_", "REBOUND_", "BACKFLOW_"))}
    return (
        keep
        | sims_env
        | {
            "BACKFLOW_DB": str(tmp_path / "backflow.sqlite3"),
            "BACKFLOW_HTTP_PORT": str(free_port()),
            "OTEL_SDK_DISABLED": "true",
        }
        | changes
    )


async def run_backflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    with anyio.fail_after(RUN_TIMEOUT):
        return await anyio.run_process([BACKFLOW, *(args or ("run",))], env=env, check=False)


def one_line(result: subprocess.CompletedProcess[bytes]) -> str:
    out, err = result.stdout.decode(), result.stderr.decode()
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    assert out == "", out
    return lines[0]


@pytest.fixture
def offline_env(tmp_path: Path) -> dict[str, str]:
    """Settings whose APIs nobody answers: enough for failures found before any call is made."""
    down = f"http://127.0.0.1:{free_port()}"
    return {
        "CTP_PROJECT_KEY": "backflow-sim",
        "CTP_CLIENT_ID": "sim-client",
        "CTP_CLIENT_SECRET": "sim-secret",
        "CTP_AUTH_URL": down,
        "CTP_API_URL": down,
        "REBOUND_API_URL": down,
        "REBOUND_CLIENT_ID": "backflow",
        "REBOUND_CLIENT_SECRET": "sim-client-secret",
        "REBOUND_WEBHOOK_SECRET": "whsec-test",
    }


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("CTP_CLIENT_SECRET", "not-the-secret", "CTP_CLIENT_SECRET"),
        ("REBOUND_CLIENT_SECRET", "not-the-secret", "REBOUND_CLIENT_SECRET"),
    ],
)
async def test_refused_credentials_are_one_line_exit_3(
    sims: Sims, tmp_path: Path, setting: str, value: str, named: str
) -> None:
    result = await run_backflow(base_env(tmp_path, sims.env, **{setting: value}))
    line = one_line(result)
    assert result.returncode == ExitCode.CREDENTIALS == 3
    assert line.startswith("backflow: cannot start: ") and named in line and "401" in line, line
    assert value not in line, "never the secret itself"


@pytest.mark.anyio
async def test_the_traceback_is_in_the_log_at_debug_level(sims: Sims, tmp_path: Path) -> None:
    env = base_env(tmp_path, sims.env, CTP_CLIENT_SECRET="not-the-secret", BACKFLOW_LOG_LEVEL="DEBUG")
    result = await run_backflow(env)
    assert result.returncode == 3
    lines = result.stderr.decode().splitlines()
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    [failure] = [entry for entry in logged if entry.get("msg") == "backflow failed"]
    assert failure["level"] == "debug" and failure["exit_code"] == 3
    assert "Traceback" in failure["exc"] and "UnauthorizedError" in failure["exc"]
    assert lines[-1].startswith("backflow: cannot start: CTP_CLIENT_ID/CTP_CLIENT_SECRET")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only filesystem (a tmpfs mounted ro): unwritable even for root. Skipped without mount."""
    where = tmp_path / "ro"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(where)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def database_cases(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """BACKFLOW_DB values that cannot be the database, and what the line must say."""
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "not-a-db").write_bytes(b"hello, this is not SQLite" * 100)
    with sqlite3.connect(tmp_path / "newer.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")
        conn.execute("CREATE TABLE t (x)")
    return {
        "directory": (str(tmp_path / "a-directory"), "is a directory"),
        "under a file": (str(tmp_path / "a-file" / "db.sqlite3"), "is not a directory"),
        "not a database": (str(tmp_path / "not-a-db"), "not a usable SQLite database"),
        "newer schema": (str(tmp_path / "newer.sqlite3"), "schema version 999, newer than this release"),
    }


@pytest.mark.anyio
@pytest.mark.parametrize("case", ["directory", "under a file", "not a database", "newer schema"])
async def test_an_unusable_database_is_one_line_exit_4(
    tmp_path: Path, offline_env: dict[str, str], case: str
) -> None:
    path, says = database_cases(tmp_path)[case]
    result = await run_backflow(base_env(tmp_path, offline_env, BACKFLOW_DB=path))
    line = one_line(result)
    assert result.returncode == ExitCode.DATABASE == 4
    assert line.startswith(f"backflow: cannot start: BACKFLOW_DB: {path}") or path in line, line
    assert says in line, line


@pytest.mark.anyio
@pytest.mark.parametrize("command", [("reasons", "reapply"), ("replay", "--since", "2026-11-28T00:00:00Z")])
async def test_one_shot_commands_say_it_in_one_line_too(
    tmp_path: Path, offline_env: dict[str, str], command: tuple[str, ...]
) -> None:
    path, _ = database_cases(tmp_path)["directory"]
    result = await run_backflow(base_env(tmp_path, offline_env, BACKFLOW_DB=path), *command)
    assert one_line(result) == f"backflow: BACKFLOW_DB: {path} is a directory, not a database file"
    assert result.returncode == 4


@pytest.mark.anyio
async def test_a_database_on_a_read_only_disk_is_one_line_exit_4(
    tmp_path: Path, offline_env: dict[str, str], read_only_dir: Path
) -> None:
    path = read_only_dir / "backflow.sqlite3"
    result = await run_backflow(base_env(tmp_path, offline_env, BACKFLOW_DB=str(path)))
    line = one_line(result)
    assert result.returncode == 4
    assert "BACKFLOW_DB" in line and "not writable" in line, line


@pytest.mark.anyio
@pytest.mark.parametrize("setting", ["CTP_API_URL", "CTP_AUTH_URL", "REBOUND_API_URL"])
async def test_a_url_without_a_scheme_is_one_line_exit_2(
    tmp_path: Path, offline_env: dict[str, str], setting: str
) -> None:
    result = await run_backflow(base_env(tmp_path, offline_env, **{setting: "127.0.0.1:8989"}))
    line = one_line(result)
    assert result.returncode == ExitCode.CONFIG == 2
    assert f"{setting} must be an http(s) URL" in line and "'127.0.0.1:8989'" in line, line
    assert not (tmp_path / "backflow.sqlite3").exists(), "settings are checked before anything is opened"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("toml", "changes", "says"),
    [
        ('[alerts]\nwebhook-url = "hooks.example.com/backflow"\n', {}, "alerts.webhook-url"),
        ("[reasons\n", {}, "not valid TOML"),
        ("[nonsense]\n", {}, "unknown field"),
        ("", {"BACKFLOW_HTTP_PORT": "eighty"}, "BACKFLOW_HTTP_PORT must be a port number"),
        ("", {"REBOUND_WEBHOOK_SECRET": ""}, "REBOUND_WEBHOOK_SECRET is required"),
    ],
    ids=["alerts-url", "malformed-toml", "unknown-table", "bad-port", "missing-secret"],
)
async def test_configuration_errors_stay_one_line_exit_2(
    tmp_path: Path, offline_env: dict[str, str], toml: str, changes: dict[str, str], says: str
) -> None:
    config = tmp_path / "backflow.toml"
    config.write_text(toml)
    result = await run_backflow(base_env(tmp_path, offline_env, BACKFLOW_CONFIG=str(config), **changes))
    line = one_line(result)
    assert result.returncode == 2
    assert says in line, line


@pytest.mark.anyio
async def test_a_port_already_taken_is_one_line_exit_5(sims: Sims, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await run_backflow(base_env(tmp_path, sims.env, BACKFLOW_HTTP_PORT=str(port)))
    line = one_line(result)
    assert result.returncode == ExitCode.LISTEN == 5
    assert "BACKFLOW_HTTP_PORT" in line and f"127.0.0.1:{port}" in line, line


def test_an_unreachable_api_at_start_is_retried_not_a_failure(
    tmp_path: Path, offline_env: dict[str, str]
) -> None:
    env = base_env(tmp_path, offline_env, BACKFLOW_LOG_LEVEL="WARNING")
    port = env["BACKFLOW_HTTP_PORT"]
    process = subprocess.Popen([BACKFLOW, "run"], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        deadline, ready, reasons = time.monotonic() + RUN_TIMEOUT, None, []
        while ready is None and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1].decode()[-2000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2)
                ready = 200
            except urllib.error.HTTPError as answer:
                ready = answer.code
                reasons = json.loads(answer.read())["reasons"]
            except OSError:
                time.sleep(0.1)
        assert ready == 200, reasons  # an upstream API that does not answer leaves intake open
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            upstream = {api["name"]: api for api in json.loads(answer.read())["upstream"]}
        assert not upstream["commercetools"]["ok"] and "commercetools" in upstream["commercetools"]["detail"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
