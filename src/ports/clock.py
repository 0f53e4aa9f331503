"""Time and identity are ports so that the domain and the handlers stay deterministic under test."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a monotonic clock, for durations and deadlines."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new unique, time-ordered id (UUIDv7 text)."""
        ...
