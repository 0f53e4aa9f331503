"""CPU and memory of a process from /proc (no psutil), for the benchmarks' figures."""

from __future__ import annotations

import os
from pathlib import Path


def read_proc(pid: int) -> tuple[float, float]:
    """(CPU seconds user+system, RSS MB) of a process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of stat)
    rss_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return cpu, rss_kb / 1024


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the highest RSS the process reached."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
