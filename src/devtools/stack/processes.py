"""The stack's child processes: `python -m app.entrypoints.cli …` started detached, output appended to a log,
recorded by PID (`var/demo.pids`), and stopped by those PIDs only (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from backflow.devtools.net import wait_for
from backflow.devtools.stack.http import request

BACKFLOW = (sys.executable, "-m", "backflow.app.entrypoints.cli")
MARK = "backflow.app.entrypoints.cli"
"""Every stack process runs `python -m app.entrypoints.cli …`: a recorded PID whose command line lacks it was
reused by something else since, and is left alone."""


class StartError(RuntimeError):
    """A child process did not come up."""


@dataclass(frozen=True)
class Child:
    name: str
    pid: int


_SPAWNED: dict[int, subprocess.Popen[bytes]] = {}
"""Our own children, kept so that their Popen reaps them and holds their exit status."""


def spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Child:
    """Start `backflow ARGS` in its own session (it may outlive this process), output appended to `log`
    (a restarted daemon adds to its log: a leak check reads every run)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*BACKFLOW, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _SPAWNED[process.pid] = process
    return Child(name, process.pid)


def record(path: Path, children: list[Child]) -> None:
    path.write_text(json.dumps([{"name": c.name, "pid": c.pid} for c in children]) + "\n")


def recorded(path: Path) -> list[Child]:
    try:
        entries = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return [Child(str(e["name"]), int(e["pid"])) for e in entries if isinstance(e, dict) and "pid" in e]


def exit_status(pid: int) -> int | None:
    """How our own child exited (negative: killed by that signal); None while running or not ours."""
    process = _SPAWNED.get(pid)
    return None if process is None else process.poll()


def alive(pid: int) -> bool:
    own = _SPAWNED.get(pid)
    if own is not None:  # (its /proc cmdline can still be the parent's for a moment after the spawn)
        return own.poll() is None
    try:  # started by an earlier `backflow demo`: ask the system
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _ours(pid)


def _ours(pid: int) -> bool:
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.exists():
        return True  # no /proc to check against: trust the record
    try:
        return MARK in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False


def stop(children: list[Child], *, grace: float = 10.0, sig: signal.Signals = signal.SIGTERM) -> list[str]:
    """Send `sig` to each live child, wait up to `grace`, SIGKILL what is left; says what happened."""
    said: list[str] = []
    live = [c for c in children if alive(c.pid)]
    for child in live:
        os.kill(child.pid, sig)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(c.pid) for c in live):
        time.sleep(0.05)
    for child in live:
        if alive(child.pid):
            os.kill(child.pid, signal.SIGKILL)
            if child.pid in _SPAWNED:
                _SPAWNED[child.pid].wait(timeout=10)  # reaped, not left a zombie
            said.append(f"{child.name} (pid {child.pid}) did not stop in {grace:.0f}s: killed")
        else:
            said.append(f"{child.name} (pid {child.pid}) stopped")
    return said


def stop_recorded(pids: Path, *, grace: float = 10.0) -> list[str]:
    said = stop(recorded(pids), grace=grace)
    pids.unlink(missing_ok=True)
    return said


def wait_ready(url: str, child: Child, *, within: float) -> None:
    """Poll `url` until it answers 200; StartError at once if the process died, or after `within` s."""

    def answers() -> bool:
        if not alive(child.pid):
            raise StartError(f"{child.name} exited during start-up (status {exit_status(child.pid)})")
        return request("GET", url, timeout=2)[0] == 200

    try:
        wait_for(answers, within, f"{child.name} to answer {url}", every=0.1)
    except TimeoutError as late:
        raise StartError(str(late)) from None
