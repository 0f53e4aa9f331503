"""Writes staged by the repositories of a unit of work, applied together at commit."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

StagedWrite = Callable[[sqlite3.Connection, float], None]
"""Applied inside the unit's savepoint with the writer connection and the commit time (unix seconds)."""


class Staging:
    def __init__(self) -> None:
        self.writes: list[StagedWrite] = []

    def add(self, write: StagedWrite) -> None:
        self.writes.append(write)

    def take(self) -> list[StagedWrite]:
        writes, self.writes = self.writes, []
        return writes
