"""Writes staged by the repositories of a unit of work, applied together at commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.sql import q

StagedWrite = Callable[[Connection, datetime], Awaitable[None]]
"""Applied inside the unit's transaction with its connection and the commit time."""


class Staging:
    def __init__(self) -> None:
        self.writes: list[StagedWrite] = []

    def add(self, write: StagedWrite) -> None:
        self.writes.append(write)

    def take(self) -> list[StagedWrite]:
        writes, self.writes = self.writes, []
        return writes


def statement(sql_name: str, params: Mapping[str, object]) -> StagedWrite:
    """A staged write that is one named statement with `now` added to its parameters."""

    async def write(conn: Connection, now: datetime) -> None:
        await conn.execute(q(sql_name), {**params, "now": now})

    return write
