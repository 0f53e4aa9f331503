"""Group commit: one task applies every write, many callers' operations per transaction.

Callers submit an operation (a function of the writer connection) and wait. The writer task takes
whatever has queued up, runs it in one `BEGIN IMMEDIATE` transaction with each operation inside its
own SAVEPOINT (a failing operation is rolled back alone and gets its error), commits once (one fsync
under synchronous=FULL), and only then wakes the callers: a caller never hears "done" before its
write is durable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio
from anyio.abc import TaskStatus

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], T]


class WriterClosedError(RuntimeError):
    """The store is closing or closed; the write was not applied."""


class _Pending(Generic[T]):
    __slots__ = ("done", "error", "operation", "result")

    def __init__(self, operation: Operation[T]) -> None:
        self.operation = operation
        self.done = anyio.Event()
        self.result: T | None = None
        # Until the writer applies it, a write counts as not applied (e.g. cancelled before its batch ran).
        self.error: BaseException | None = WriterClosedError("the write was not applied")


class GroupCommitWriter:
    def __init__(self, conn: sqlite3.Connection, *, max_batch: int = 1024, queue_size: int = 8192) -> None:
        self._conn = conn
        self._max_batch = max_batch
        self._send, self._receive = anyio.create_memory_object_stream[_Pending[Any]](queue_size)
        # A private one-slot limiter: the connection is only ever used by one thread at a time.
        self._limiter = anyio.CapacityLimiter(1)
        self.batches = 0
        self.operations = 0

    async def submit(self, operation: Operation[T]) -> T:
        """Apply `operation` in the next batch; returns its result once the batch is committed."""
        pending = _Pending(operation)
        try:
            await self._send.send(pending)
        except (anyio.ClosedResourceError, anyio.BrokenResourceError) as exc:
            raise WriterClosedError("the store is closed") from exc
        await pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Drain the queue until `close()`; everything submitted before closing is still applied."""
        task_status.started()
        async with self._receive:
            async for first in self._receive:
                batch = [first]
                while len(batch) < self._max_batch:
                    try:
                        batch.append(self._receive.receive_nowait())
                    except anyio.WouldBlock:
                        break
                try:
                    # Not cancellable: once a batch is handed to the thread, it runs to COMMIT/ROLLBACK.
                    await anyio.to_thread.run_sync(self._apply, batch, limiter=self._limiter)
                finally:
                    for pending in batch:
                        pending.done.set()

    def close(self) -> None:
        """Stop accepting writes; `run()` returns after applying the queued ones."""
        self._send.close()

    def _apply(self, batch: list[_Pending[Any]]) -> None:
        try:
            self._apply_batch(batch)
        except Exception as exc:
            # The transaction machinery itself failed (I/O error, full disk): nothing of the batch stands.
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            for pending in batch:
                pending.error, pending.result = exc, None

    def _apply_batch(self, batch: list[_Pending[Any]]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        for pending in batch:
            pending.error = None
            conn.execute("SAVEPOINT op")
            try:
                pending.result = pending.operation(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO op")
                pending.error = exc
            conn.execute("RELEASE op")
        conn.execute("COMMIT")
        self.batches += 1
        self.operations += len(batch)
