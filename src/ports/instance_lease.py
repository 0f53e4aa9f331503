"""One active daemon per database: the lease a daemon holds while it works (SQLite only).

The PostgreSQL store has no lease: there, replicas share the work through claims on the rows
themselves, so the composition root passes no lease at all and every replica is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class LeaseState:
    """Who holds the lease after an attempt to take or renew it, and until when."""

    holder: str
    term: int
    """How many times the lease changed hands (1 for its first holder)."""
    acquired_at: datetime
    until: datetime


class LeaseLostError(RuntimeError):
    """A write was refused: this instance no longer holds the lease (another one took over)."""


class InstanceLease(Protocol):
    async def take(self, holder: str, seconds: float) -> LeaseState:
        """Take the lease if it is free or expired, or renew it if `holder` has it; returns the
        state after the attempt (another holder if it is not ours). Once `holder` has it, every
        write of this store except intake and the lease's own is fenced on still holding it."""
        ...

    async def release(self, holder: str) -> None:
        """Give the lease up now (a clean stop), so that a standby takes over at once."""
        ...

    async def current(self) -> LeaseState | None:
        """The lease as stored, whoever holds it (None if no daemon ever took it)."""
        ...
