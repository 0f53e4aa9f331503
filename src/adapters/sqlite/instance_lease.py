"""SqliteInstanceLease: the one row that says which daemon works on this database file.

Times are wall-clock (a separate clock from the flows' one, which tests may freeze or move): two
processes on one host compare them. Taking the lease installs the writer's fence, so from then on
every write of this process except intake checks in its own transaction that the lease is still ours.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from backflow.adapters.sqlfiles import parse_queries
from backflow.adapters.sqlite.writer import Fence, GroupCommitWriter
from backflow.ports.clock import Clock
from backflow.ports.instance_lease import LeaseState


@cache
def _queries() -> dict[str, str]:
    return parse_queries((Path(__file__).parent / "instance_lease.sql").read_text())


def q(name: str) -> str:
    return _queries()[name]


class SqliteInstanceLease:
    def __init__(self, writer: GroupCommitWriter, clock: Clock) -> None:
        self._writer = writer
        self._clock = clock

    async def take(self, holder: str, seconds: float) -> LeaseState:
        now = self._clock.now()
        until = now + timedelta(seconds=seconds)
        params = {"holder": holder, "now": now.timestamp(), "until": until.timestamp()}

        def take(conn: sqlite3.Connection) -> LeaseState:
            conn.execute(q("lease_take"), params)
            state = _state(conn.execute(q("lease_get")).fetchone())
            assert state is not None  # the upsert above leaves a row
            return state

        state = await self._writer.submit(take, fenced=False)
        if state.holder == holder and self._writer.fence is None:
            self._writer.fence = self._fence(holder)
        return state

    async def release(self, holder: str) -> None:
        params = {"holder": holder, "now": self._clock.now().timestamp()}
        await self._writer.submit(lambda c: c.execute(q("lease_release"), params), fenced=False)

    async def current(self) -> LeaseState | None:
        return await self._writer.submit(lambda c: _state(c.execute(q("lease_get")).fetchone()), fenced=False)

    def _fence(self, holder: str) -> Fence:
        clock = self._clock

        def still_ours(conn: sqlite3.Connection) -> str | None:
            params = {"holder": holder, "now": clock.now().timestamp()}
            if conn.execute(q("lease_held_by"), params).fetchone() is not None:
                return None
            state = _state(conn.execute(q("lease_get")).fetchone())
            now = clock.now()
            if state is None or state.holder == holder:
                return f"this instance ({holder}) let its lease expire; it may no longer write"
            return f"the lease was taken over by {state.holder} (until {state.until:%H:%M:%S}, now {now:%T})"

        return still_ours


def _state(row: sqlite3.Row | None) -> LeaseState | None:
    if row is None:
        return None
    return LeaseState(
        holder=row["holder"],
        term=row["term"],
        acquired_at=datetime.fromtimestamp(row["acquired_at"], UTC),
        until=datetime.fromtimestamp(row["lease_until"], UTC),
    )


def read_lease(conn: sqlite3.Connection) -> LeaseState | None:
    """The lease in a database opened by a command (`backflow restore`); None if it has none."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'instance_lease'")
    if found.fetchone() is None:
        return None
    conn.row_factory = sqlite3.Row
    return _state(conn.execute(q("lease_get")).fetchone())
