"""Group commit: one task applies every write, many callers' operations per transaction.

Callers submit an operation (a function of the writer connection) and wait. The writer task takes
whatever has queued up, runs it in one `BEGIN IMMEDIATE` transaction with each operation inside its
own SAVEPOINT (a failing operation is rolled back alone and gets its error), commits once (one fsync
under synchronous=FULL), and only then wakes the callers: a caller never hears "done" before its
write is durable.

Fencing: once this process holds the instance lease (`instance_lease`), each batch first checks in
its own transaction that the lease is still ours; if not, every fenced operation in it fails with
`LeaseLostError` and nothing of it is applied. A daemon paused past its lease (SIGSTOP, a frozen VM)
that wakes up after a standby took over can therefore not commit one more claim or result. Intake
(storing a webhook) and the lease's own writes are not fenced: a standby stores webhooks durably.

A batch that fails because the disk is full is retried once after a checkpoint, and while the disk
stays full every batch checkpoints first (see `disk_space`); `disk_full` says why until a checkpoint
and a batch succeed again, for readiness.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import anyio
from anyio.abc import TaskStatus

from backflow.adapters.sqlite.disk_space import WalGuard, checkpoint, is_disk_full
from backflow.ports.instance_lease import LeaseLostError

log = logging.getLogger("backflow.adapters.sqlite.writer")
T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], T]
Fence = Callable[[sqlite3.Connection], str | None]
"""Run inside a batch's transaction: None while this process may write, else why it may not."""


class WriterClosedError(RuntimeError):
    """The store is closing or closed; the write was not applied."""


class DiskFullError(OSError):
    """Writes have failed for a full disk, and checkpointing has not reclaimed space yet."""


class _Pending(Generic[T]):
    __slots__ = ("done", "error", "fenced", "operation", "result")

    def __init__(self, operation: Operation[T], fenced: bool) -> None:
        self.operation = operation
        self.fenced = fenced
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
        self.disk_full: str | None = None
        """Why writes fail for a full disk (since when, SQLite's error), until space is reclaimed."""
        self._guard = WalGuard(conn)
        self.fence: Fence | None = None
        """Set once this process holds the instance lease (see the module's docstring)."""

    async def submit(self, operation: Operation[T], *, fenced: bool = True) -> T:
        """Apply `operation` in the next batch; returns its result once the batch is committed.
        `fenced=False` only for writes a standby may make too (intake, the lease, the write probe)."""
        pending = _Pending(operation, fenced)
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
                    except (anyio.WouldBlock, anyio.EndOfStream):  # EndOfStream: closed while draining
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
        reclaimed = self.disk_full is not None and checkpoint(self._conn)
        try:
            try:
                self._apply_batch(batch)
            except Exception as exc:
                self._rollback()
                if not (is_disk_full(exc) and checkpoint(self._conn)):
                    raise
                reclaimed = True
                self._apply_batch(batch)  # the WAL's space is back: once more, from the start
        except Exception as exc:
            # The transaction machinery itself failed (I/O error, full disk): nothing of the batch stands.
            self._rollback()
            for pending in batch:
                pending.error, pending.result = exc, None
            if is_disk_full(exc):
                self._full(exc)
            return
        if any(is_disk_full(p.error) for p in batch if p.error is not None):
            self._full(next(p.error for p in batch if p.error is not None and is_disk_full(p.error)))
        elif self.disk_full is not None and reclaimed:
            log.warning("the disk has room again: writes resume", extra={"was": self.disk_full})
            self.disk_full = None
        self._guard.check(self._conn)

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:  # SQLite may have rolled back already (full disk, I/O error)
                log.warning("rollback failed", exc_info=True)

    def _full(self, error: BaseException) -> None:
        if self.disk_full is None:
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            where = "the disk" if self._guard.wal is None else f"the disk of {self._guard.wal.parent}"
            self.disk_full = f"{where} is full since {since} ({error}); free space on that volume"
            log.error("a write failed: the disk is full", extra={"error": str(error)})

    def _apply_batch(self, batch: list[_Pending[Any]]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        refused = self.fence(conn) if self.fence is not None and any(p.fenced for p in batch) else None
        for pending in batch:
            pending.error = None
            if refused is not None and pending.fenced:
                pending.error = LeaseLostError(refused)
                continue
            conn.execute("SAVEPOINT op")
            try:
                pending.result = pending.operation(conn)
            except Exception as exc:
                try:
                    conn.execute("ROLLBACK TO op")
                except sqlite3.Error:  # the whole transaction is gone (SQLite rolled it back)
                    raise exc from None
                pending.error = exc
            conn.execute("RELEASE op")
        conn.execute("COMMIT")
        self.batches += 1
        self.operations += len(batch)
