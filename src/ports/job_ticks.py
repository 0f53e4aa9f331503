"""Which replica runs a scheduled job's tick: each job runs once per interval across the cluster.

The scheduler asks before every run. With one active daemon per database (SQLite's instance lease)
every tick is the daemon's own (`app.runtime.scheduler.EveryTick`); on PostgreSQL replicas race
for the tick and the store lets exactly one of them have it.
"""

from __future__ import annotations

from typing import Protocol


class JobTicks(Protocol):
    async def try_begin(self, name: str, interval_seconds: float) -> bool:
        """Claim the current tick of job `name` (ticks are the wall-clock grid of its interval).
        True for the one caller that gets it, False for everyone else in that tick."""
        ...
