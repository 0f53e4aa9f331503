"""An outbox actor: `concurrency` workers take envelopes from its mailbox and run the flow's handler.

Each row runs through the actor base (`app.runtime.actor_base`): a CONSUMER span parented from the
context stored with the row, with its lease renewed at half its length while the handler runs.
Returning completes the row; raising fails the attempt (retried with backoff by the store), and the
last attempt buries it and raises a `dead_letter` exception with the evidence an operator needs to
retry it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import anyio
from anyio.abc import TaskStatus
from opentelemetry.trace import Span

from backflow.app.core.declarations import ROW_COMPLETED, OutboxHandler, RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.evidence import json_value
from backflow.app.runtime.actor_base import Actor, Outcome, Unit
from backflow.app.runtime.envelope import Envelope
from backflow.app.runtime.relay import Mailbox
from backflow.app.runtime.wakeup import Nudge
from backflow.ports.outbox import Outbox, OutboxRow, OutboxStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxActor(Actor[Envelope]):
    mailbox: Mailbox
    handlers: Mapping[str, OutboxHandler]
    outbox: Outbox
    store: StoreDeps
    relay_wake: Nudge
    lease_seconds: float

    failure_message = "outbox handler failed"

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as workers:
            for number in range(max(1, self.mailbox.spec.concurrency)):
                workers.start_soon(self._work, name=f"actor {self.mailbox.spec.name} worker {number}")
            task_status.started()

    async def _work(self) -> None:
        # Ends when the relay closes the mailbox on a graceful stop, after the buffered rows are done.
        async for envelope in self.mailbox.receive:
            await self.handle(envelope)
            self.relay_wake.room()  # room in the mailbox: the relay may claim more

    def unit_of(self, envelope: Envelope) -> Unit:
        row = envelope.row
        return Unit(
            span_name=f"outbox {row.kind}",
            trace_ctx=envelope.trace_ctx,
            attributes={
                "backflow.actor": self.mailbox.spec.name,
                "backflow.outbox.id": row.id,
                "backflow.outbox.kind": row.kind,
                "backflow.outbox.attempt": envelope.attempt,
            },
            log_fields={"outbox_id": row.id, "kind": row.kind, "attempt": envelope.attempt},
        )

    async def work(self, envelope: Envelope, span: Span) -> Outcome:
        row = envelope.row
        error: Exception | None = None
        completed: RowCompleted | None = None
        lease = _Lease()
        async with anyio.create_task_group() as group:
            group.start_soon(self._keep_leased, row, lease, group.cancel_scope)
            try:
                completed = await self._run_handler(row)
            except Exception as exc:
                error = exc
            finally:
                group.cancel_scope.cancel()
        if lease.lost:
            span.set_attribute("backflow.outbox.lease_lost", True)
            return Outcome.SETTLED
        if error is not None:
            raise error
        # The handler's own commit completed the row: nothing left to record.
        return Outcome.SETTLED if completed is ROW_COMPLETED else Outcome.DONE

    async def succeeded(self, envelope: Envelope) -> None:
        if not await self.outbox.complete(envelope.row.id, self.mailbox.owner):
            log.warning("lease lost before completion", extra={"outbox_id": envelope.row.id})

    async def failed(self, envelope: Envelope, error: str) -> None:
        row = envelope.row
        if await self.outbox.fail(row.id, self.mailbox.owner, error) is OutboxStatus.DEAD:
            await self._dead_letter(row, error)

    async def _run_handler(self, row: OutboxRow) -> RowCompleted | None:
        handler = self.handlers.get(row.kind)
        if handler is None:
            raise LookupError(f"no handler registered for outbox kind {row.kind!r}")
        return await handler(row)

    async def _keep_leased(self, row: OutboxRow, lease: _Lease, handler_scope: anyio.CancelScope) -> None:
        half = self.lease_seconds / 2
        remaining = (row.lease_until - self.store.clock.now()).total_seconds() if row.lease_until else 0.0
        await anyio.sleep(max(0.0, remaining - half))
        while True:
            try:
                renewed = await self.outbox.renew(row.id, self.mailbox.owner, self.lease_seconds)
            except Exception as exc:  # a failed renewal is retried; the lease still has half its time
                log.warning("lease renewal failed", extra={"outbox_id": row.id, "error": repr(exc)})
                renewed = True
            if not renewed:
                # Someone else holds the row now: stop, so the effect is not applied twice at once.
                log.warning("lease lost; handler cancelled", extra={"outbox_id": row.id})
                lease.lost = True
                handler_scope.cancel()
                return
            await anyio.sleep(half)

    async def _dead_letter(self, row: OutboxRow, error: str) -> None:
        evidence = {
            "outbox_id": row.id,
            "kind": row.kind,
            "attempts": row.attempts,
            "error": error,
            "payload": json_value(row.payload),
            "retry": {
                "kind": row.kind,
                "payload": json_value(row.payload),
                "idempotency_key": row.idempotency_key,
            },
        }
        await self.raise_exception("dead_letter", f"dead_letter:{row.id}", evidence)


@dataclass
class _Lease:
    lost: bool = False
