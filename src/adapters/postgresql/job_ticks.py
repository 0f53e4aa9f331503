"""Each scheduled job's tick claimed by one replica (PostgreSQL only; the query is in replicas.sql).

Ticks are the grid floor(epoch seconds / interval) on the store's clock, so replicas whose loops
started at different moments still agree on which tick it is; a replica that finds the tick taken
skips it, and whichever replica tries first in the next tick runs it.
"""

from __future__ import annotations

import math

from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import replica_queries
from backflow.ports.clock import Clock


class PostgresJobTicks:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def try_begin(self, name: str, interval_seconds: float) -> bool:
        now = self._clock.now()
        tick = math.floor(now.timestamp() / interval_seconds)
        row = await self._db.fetchone(
            replica_queries()["job_tick_begin"],
            {"name": name, "interval_seconds": interval_seconds, "tick": tick, "now": now},
        )
        return row is not None
