"""The demo's child processes: `backflow sim …` and `backflow run`, started detached, recorded in
`var/demo.pids`, and stopped by those PIDs only (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import anyio

BACKFLOW = (sys.executable, "-m", "app.cli")
MARK = "app.cli"
"""Every demo process runs `python -m app.cli …`: a recorded PID whose command line lacks it was
reused by something else since, and is left alone."""


class StartError(RuntimeError):
    """A child process did not come up."""


@dataclass(frozen=True)
class Child:
    name: str
    pid: int


def spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Child:
    """Start `backflow ARGS` in its own session (it outlives the demo command), output to `log`."""
    with log.open("wb") as out:  # each demo starts its logs afresh
        process = subprocess.Popen(
            [*BACKFLOW, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Child(name, process.pid)


def record(path: Path, children: list[Child]) -> None:
    path.write_text(json.dumps([{"name": c.name, "pid": c.pid} for c in children]) + "\n")


def recorded(path: Path) -> list[Child]:
    try:
        entries = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return []
    return [Child(str(e["name"]), int(e["pid"])) for e in entries if isinstance(e, dict) and "pid" in e]


EXITED: dict[int, int] = {}
"""Exit statuses of our own children, as reaped (negative: killed by that signal)."""


def alive(pid: int) -> bool:
    if pid in EXITED:
        return False
    try:  # our own child: waitpid knows (and reaps it once it has exited)
        reaped, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # started by an earlier `backflow demo`: ask the system
    else:
        if reaped == pid:
            EXITED[pid] = os.waitstatus_to_exitcode(status)
            return False
        return True  # (its /proc cmdline can still be the parent's for a moment after the spawn)
    try:
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


def stop(children: list[Child], *, grace: float = 10.0) -> list[str]:
    """SIGTERM each live child, wait up to `grace`, SIGKILL what is left; says what happened."""
    said: list[str] = []
    live = [c for c in children if alive(c.pid)]
    for child in live:
        os.kill(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(c.pid) for c in live):
        time.sleep(0.1)
    for child in live:
        if alive(child.pid):
            os.kill(child.pid, signal.SIGKILL)
            said.append(f"{child.name} (pid {child.pid}) did not stop in {grace:.0f}s: killed")
        else:
            said.append(f"{child.name} (pid {child.pid}) stopped")
    return said


def stop_recorded(pids: Path, *, grace: float = 10.0) -> list[str]:
    said = stop(recorded(pids), grace=grace)
    pids.unlink(missing_ok=True)
    return said


async def wait_ready(http: aiohttp.ClientSession, url: str, child: Child, *, within: float) -> None:
    """Poll `url` until it answers 200; fail early if the process died, or after `within` seconds."""
    with anyio.fail_after(within):
        while True:
            if not alive(child.pid):
                raise StartError(f"{child.name} exited during start-up (status {EXITED.get(child.pid)})")
            try:
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await anyio.sleep(0.1)
