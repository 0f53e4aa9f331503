"""The daemon listens on 127.0.0.1 unless BACKFLOW_HTTP_HOST says otherwise (read from /proc/net/tcp)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backflow.devtools.stack.launcher import Stack, bench_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def listening_on(port: int) -> set[str]:
    """Local addresses with a socket in LISTEN on `port`."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def test_it_binds_127_0_0_1_by_default(stack: Stack) -> None:
    assert listening_on(stack.port) == {"127.0.0.1"}


def test_another_host_is_used_when_configured(tmp_path: Path) -> None:
    other = bench_stack(tmp_path)
    other.prepare()
    env = other.child_env() | {"BACKFLOW_HTTP_HOST": "127.0.0.2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "backflow.app.entrypoints.cli", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not listening_on(other.port) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert listening_on(other.port) == {"127.0.0.2"}
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", other.port), timeout=1).close()
    finally:
        process.terminate()
        process.wait(timeout=30)
