"""The daemon as a process beside both simulators (each `python -m ...`): SIGTERM drains and exits 0;
SIGKILL mid-run, then a restart, loses nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from backflow.devtools.net import free_port, listening, wait_for
from tests.rebound_support import SECRET, envelope, signed_headers

ROOT = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("daemon_child.py")


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@pytest.fixture(scope="module")
def sim_env() -> Iterator[dict[str, str]]:
    ct_port, rb_port = free_port(), free_port()
    commands = [
        [sys.executable, "-m", "backflow.devtools.commercetools_sim", "--port", str(ct_port)],
        [
            sys.executable,
            "-m",
            "backflow.devtools.rebound_sim",
            "--port",
            str(rb_port),
            "--webhook-secret",
            SECRET,
        ],
    ]
    processes = [
        subprocess.Popen(c, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands
    ]
    try:
        wait_for(lambda: listening(ct_port) and listening(rb_port), 20, "the simulators")
        ct, rb = f"http://127.0.0.1:{ct_port}", f"http://127.0.0.1:{rb_port}"
        yield {
            "CTP_PROJECT_KEY": "backflow-sim",
            "CTP_CLIENT_ID": "sim-client",
            "CTP_CLIENT_SECRET": "sim-secret",
            "CTP_AUTH_URL": ct,
            "CTP_API_URL": ct,
            "REBOUND_API_URL": rb,
            "REBOUND_CLIENT_ID": "backflow",
            "REBOUND_CLIENT_SECRET": "sim-client-secret",
            "REBOUND_WEBHOOK_SECRET": SECRET,
        }
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


class Child:
    def __init__(self, tmp_path: Path, sim_env: dict[str, str], **env: str) -> None:
        self.port = free_port()
        self.marks = tmp_path / "marks"
        self.marks.mkdir(exist_ok=True)
        self.db = tmp_path / "backflow.sqlite3"
        self.env = (
            os.environ
            | sim_env
            | {
                "BACKFLOW_DB": str(self.db),
                "BACKFLOW_HTTP_PORT": str(self.port),
                "BACKFLOW_POLL_SECONDS": "0.2",
                "BACKFLOW_LOG_LEVEL": "WARNING",
                "TEST_MARKS": str(self.marks),
                "PYTHONPATH": str(ROOT),
            }
            | env
        )
        self.log = tmp_path / "daemon.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, str(CHILD)], cwd=ROOT, env=self.env, stderr=log)
        wait_for(
            lambda: self._alive() and http("GET", self.url("/readyz")) == 200, 30, "the daemon to be ready"
        )
        return self

    def _alive(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the daemon exited early:\n{self.log.read_text()[-3000:]}")
        return True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def webhook(self, event_id: str) -> None:
        body = envelope(event_id)
        assert http("POST", self.url("/webhooks/rebound"), body, signed_headers(body)) == 202

    def done(self) -> list[str]:
        path = self.marks / "done.log"
        return path.read_text().split() if path.exists() else []

    def started(self) -> list[str]:
        return [p.name.removeprefix("start-") for p in self.marks.glob("start-*")]

    def rows(self) -> dict[str, str]:
        with sqlite3.connect(self.db) as conn:
            return dict(conn.execute("SELECT idempotency_key, status FROM outbox").fetchall())

    def inbox(self) -> list[str]:
        with sqlite3.connect(self.db) as conn:
            return [status for (status,) in conn.execute("SELECT status FROM inbox")]

    def stop(self, sig: signal.Signals, within: float = 20) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=within)


def test_sigterm_lets_in_flight_work_finish_and_exits_0(tmp_path: Path, sim_env: dict[str, str]) -> None:
    child = Child(tmp_path, sim_env, TEST_HANDLER_SECONDS="1.5", BACKFLOW_SHUTDOWN_GRACE_SECONDS="10").start()
    try:
        events = [f"evt-term-{n}" for n in range(3)]
        for event in events:
            child.webhook(event)
        wait_for(lambda: len(child.started()) == 3, 10, "all three handlers to start")
        assert child.done() == []
        assert child.stop(signal.SIGTERM) == 0, child.log.read_text()[-3000:]
    finally:
        if child.process and child.process.poll() is None:
            child.process.kill()
    assert sorted(child.done()) == events, "in-flight work finished before the exit"
    assert child.rows() == dict.fromkeys(events, "done")
    assert child.inbox() == ["processed"] * 3


def test_sigkill_mid_run_then_restart_loses_nothing(tmp_path: Path, sim_env: dict[str, str]) -> None:
    settings = {"TEST_HANDLER_SECONDS": "0.3", "TEST_CONCURRENCY": "1", "BACKFLOW_LEASE_SECONDS": "1"}
    child = Child(tmp_path, sim_env, **settings).start()
    events = [f"evt-kill-{n}" for n in range(6)]
    try:
        for event in events:
            child.webhook(event)
        wait_for(lambda: 1 <= len(child.done()) < len(events), 10, "some but not all work done")
        child.stop(signal.SIGKILL)
        before_restart = child.rows()
        assert set(before_restart.values()) & {"pending", "leased"}, "work was still queued or in flight"
        child.start()
        wait_for(lambda: set(child.done()) == set(events), 20, "every event's work after the restart")
        wait_for(lambda: child.rows() == dict.fromkeys(events, "done"), 10, "every row done")
        assert child.inbox() == ["processed"] * len(events)
        # At least once: only the row in flight at the kill may have run twice.
        assert len(child.done()) - len(events) <= 1
        assert child.stop(signal.SIGTERM) == 0
    finally:
        if child.process and child.process.poll() is None:
            child.process.kill()
