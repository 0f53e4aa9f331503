"""A small pool of read-only aiosqlite connections; reads never wait for the writer (WAL).

Lookups by an indexed key with a small result (a return, its refunds, an order's copy) run on a
read-only connection of the event loop's own thread instead: such a read takes ~8 µs of CPU, where
handing it to a reader thread and back costs ~95 µs (measured: `bench/profile_returns.py` and a loop
of 3,000 lookups). A database busy for that connection (never in WAL mode but for a recovery) sends
the read to the pool; so does a caller on another thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import anyio

from backflow.adapters.sqlite.connections import open_inline_reader, open_reader


class ReaderPool:
    def __init__(
        self, connections: list[aiosqlite.Connection], inline: sqlite3.Connection | None = None
    ) -> None:
        self._connections = connections
        self._send, self._receive = anyio.create_memory_object_stream[aiosqlite.Connection](len(connections))
        for conn in connections:
            self._send.send_nowait(conn)
        self._inline = inline
        self._inline_thread = threading.get_ident()

    @classmethod
    async def open(cls, path: Path, size: int) -> ReaderPool:
        # Opened here, on the event loop's thread: the only thread that uses it.
        return cls([await open_reader(path) for _ in range(size)], open_inline_reader(path))

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = await self._receive.receive()
        try:
            yield conn
        finally:
            self._send.send_nowait(conn)

    async def fetchall(self, sql: str, params: Mapping[str, Any]) -> list[sqlite3.Row]:
        async with self.connection() as conn:
            return list(await conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Mapping[str, Any]) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall_keyed(self, sql: str, params: Mapping[str, Any]) -> list[sqlite3.Row]:
        """`fetchall` for a lookup by an indexed key with a small result: on the loop's own connection."""
        if self._inline is not None and threading.get_ident() == self._inline_thread:
            try:
                return self._inline.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    raise  # a real error, not a lock the pool's connection can wait for
        return await self.fetchall(sql, params)

    async def fetchone_keyed(self, sql: str, params: Mapping[str, Any]) -> sqlite3.Row | None:
        rows = await self.fetchall_keyed(sql, params)
        return rows[0] if rows else None

    async def close(self) -> None:
        if self._inline is not None:
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed from another thread: left to GC
                self._inline.close()
            self._inline = None
        with anyio.CancelScope(shield=True):
            for conn in self._connections:
                await conn.close()
