"""A small pool of read-only aiosqlite connections; reads never wait for the writer (WAL)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import anyio

from backflow.adapters.sqlite.connections import open_reader


class ReaderPool:
    def __init__(self, connections: list[aiosqlite.Connection]) -> None:
        self._connections = connections
        self._send, self._receive = anyio.create_memory_object_stream[aiosqlite.Connection](len(connections))
        for conn in connections:
            self._send.send_nowait(conn)

    @classmethod
    async def open(cls, path: Path, size: int) -> ReaderPool:
        return cls([await open_reader(path) for _ in range(size)])

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

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            for conn in self._connections:
                await conn.close()
