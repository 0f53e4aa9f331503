"""The few things a store engine supplies to the shared repositories, and their common base."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from backflow.adapters.sqlstore.rows import Row, RowDecoders

__all__ = ["Dialect", "Reader", "Reads", "Repository", "Row", "Staging"]


class Reader(Protocol):
    """Reads outside any unit of work: the SQLite reader pool, the PostgreSQL pool."""

    async def fetchone(self, sql: str, params: Mapping[str, Any], /) -> Row | None: ...

    async def fetchall(self, sql: str, params: Mapping[str, Any], /) -> Sequence[Row]: ...

    async def fetchone_keyed(self, sql: str, params: Mapping[str, Any], /) -> Row | None:
        """`fetchone` for a lookup by an indexed key with a small result (the engine may run it inline)."""
        ...

    async def fetchall_keyed(self, sql: str, params: Mapping[str, Any], /) -> Sequence[Row]: ...


class Staging(Protocol):
    """The unit of work's list of writes; what a write is (sync or async) is the engine's business."""

    def add(self, write: Any, /) -> None: ...


@dataclass(frozen=True)
class Dialect:
    """One engine's query lookup, staged statement, time encoding and row decoders."""

    q: Callable[[str], str]
    statement: Callable[[str, Mapping[str, object]], Any]
    """A staged write that runs one named statement with `now` (the commit time) added."""
    ts: Callable[[datetime], Any]
    dt: Callable[[Any], datetime]
    rows: RowDecoders
    texts: Callable[[Sequence[str]], Any]
    """A list of texts as one parameter (SQLite: a JSON array for json_each; PostgreSQL: a text[])."""

    def ts_or_none(self, value: datetime | None) -> Any:
        return None if value is None else self.ts(value)

    def dt_or_none(self, value: Any) -> datetime | None:
        return None if value is None else self.dt(value)


class Reads:
    """A read-only view of the store on the engine's reader; subclasses set `dialect`."""

    dialect: ClassVar[Dialect]

    def __init__(self, reader: Reader) -> None:
        self._reader = reader

    async def _one(self, query: str, params: Mapping[str, Any]) -> Row | None:
        return await self._reader.fetchone(self.dialect.q(query), params)

    async def _all(self, query: str, params: Mapping[str, Any]) -> Sequence[Row]:
        return await self._reader.fetchall(self.dialect.q(query), params)

    # Lookups by an indexed key with a small result: the hot path's reads (see `Reader.fetchone_keyed`).
    async def _key_one(self, query: str, params: Mapping[str, Any]) -> Row | None:
        return await self._reader.fetchone_keyed(self.dialect.q(query), params)

    async def _key_all(self, query: str, params: Mapping[str, Any]) -> Sequence[Row]:
        return await self._reader.fetchall_keyed(self.dialect.q(query), params)


class Repository(Reads):
    """Reads on the engine's reader, writes staged in the unit of work."""

    def __init__(self, reader: Reader, staging: Staging) -> None:
        super().__init__(reader)
        self._staging = staging

    def _stage(self, query: str, params: Mapping[str, object]) -> None:
        self._staging.add(self.dialect.statement(query, params))
