"""Who used the cores during the surge: every daemon replica (CPU summed, peak RSS each) and the
PostgreSQL server (the postmaster and its children, from /proc), so that figures taken on a shared
machine say where the CPU went."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from backflow.devtools.stack.launcher import Stack
from backflow.devtools.stack.procstats import peak_rss_mb
from bench.surge_measure import Sampler


class Daemons:
    """CPU and RSS of every replica of the stack's daemon over a phase (one Sampler each)."""

    def __init__(self, stack: Stack) -> None:
        self.samplers = [Sampler(stack.daemons[i].pid) for i in sorted(stack.daemons)]

    def sample(self) -> None:
        for sampler in self.samplers:
            sampler.sample()

    def cpu_seconds(self) -> float:
        return sum(sampler.cpu_seconds() for sampler in self.samplers)

    def result(self) -> dict[str, Any]:
        """A single daemon's figures as Sampler gives them; for replicas the CPU summed (percent of one
        core, so 3 replicas can exceed 100), the largest RSS, and each replica's peak RSS."""
        results = [sampler.result() for sampler in self.samplers]
        if len(results) == 1:
            return dict(results[0])
        return {
            "cpu_seconds": round(sum(r["cpu_seconds"] for r in results), 2),
            "cpu_percent": round(sum(r["cpu_percent"] for r in results), 1),
            "rss_mb_max_sampled": max(r["rss_mb_max_sampled"] for r in results),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
            "peak_rss_mb_by_replica": [round(peak_rss_mb(s.pid), 1) for s in self.samplers],
        }


def _ticks(pid: int, *, with_children: bool) -> int:
    """utime + stime, and the reaped children's cutime + cstime when asked (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if with_children else 0)


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if ppid == parent:
                found.append(int(entry.name))
    return found


def server_cpu_seconds(postmaster: int) -> float:
    """CPU seconds so far of a PostgreSQL server: the postmaster, its live children (backends,
    walwriter, checkpointer…) and, through its cutime, the children it has already reaped (closed
    connections). The difference of two readings is what the server used in between."""
    for _ in range(5):  # a child reaped during the scan would be missed or counted twice: scan again
        reaped = _ticks(postmaster, with_children=True)
        live = sum(_ticks(child, with_children=True) for child in _children(postmaster))
        if _ticks(postmaster, with_children=True) == reaped:
            break
    return (reaped + live) / os.sysconf("SC_CLK_TCK")


def postmaster_pid(data_dir: Path) -> int:
    """The server's pid, the first line of postmaster.pid in its data directory."""
    return int((data_dir / "postmaster.pid").read_text().splitlines()[0])


class ServerCpu:
    """The PostgreSQL server's CPU over a phase, as percent of one core."""

    def __init__(self, data_dir: Path) -> None:
        self.pid = postmaster_pid(data_dir)
        self.cpu0 = server_cpu_seconds(self.pid)
        self.t0 = time.monotonic()

    def result(self) -> dict[str, float]:
        cpu = server_cpu_seconds(self.pid) - self.cpu0
        wall = time.monotonic() - self.t0
        return {"cpu_seconds": round(cpu, 2), "cpu_percent": round(100 * cpu / wall, 1)}
