"""The surge benchmark counts a server's CPU with its children's, the reaped ones included: a closed
PostgreSQL connection's backend has exited by the end of the surge, but its CPU was spent in it."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

from backflow.devtools.postgres_server import PostgresServer
from bench.surge_processes import ServerCpu, postmaster_pid, server_cpu_seconds

TICK = 1 / os.sysconf("SC_CLK_TCK")


@pytest.mark.integration
def test_a_reaped_child_s_cpu_is_counted_with_its_parent_s() -> None:
    before = server_cpu_seconds(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "sum(i * i for i in range(2_000_000))"])
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    spent = usage.ru_utime + usage.ru_stime
    assert child.returncode == 0
    assert spent > 0
    # This process's own CPU counts too, so the difference is at least the child's (to a tick each).
    assert server_cpu_seconds(os.getpid()) - before >= spent - 2 * TICK


@pytest.mark.integration
@pytest.mark.postgresql
def test_the_server_s_cpu_includes_a_closed_connection_s_work(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    pid = postmaster_pid(postgres_server.data)
    assert pid > 0 and os.path.exists(f"/proc/{pid}")
    phase = ServerCpu(postgres_server.data)
    with psycopg.connect(postgres_dsn) as conn:  # its backend exits once closed, and is reaped
        conn.execute("SELECT sum(i) FROM generate_series(1, 3000000) AS i").fetchone()
    figures = phase.result()
    assert set(figures) == {"cpu_seconds", "cpu_percent"}
    assert figures["cpu_seconds"] > 0
