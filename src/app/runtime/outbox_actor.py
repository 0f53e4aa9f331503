"""An outbox actor: `concurrency` workers take envelopes from its mailbox and run the flow's handler.

Each row runs under a CONSUMER span parented from the context stored with the row, with its lease
renewed at half its length while the handler runs. Returning completes the row; raising fails the
attempt (retried with backoff by the store), and the last attempt buries it and raises a
`dead_letter` exception with the evidence an operator needs to retry it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import anyio
import msgspec
from anyio.abc import TaskStatus
from opentelemetry.trace import Status, StatusCode

from app.core.context import FlowContext, OutboxHandler
from app.core.evidence import json_value
from app.core.tracing import consumer_span
from app.runtime.envelope import Envelope
from app.runtime.relay import Mailbox
from app.runtime.wakeup import Nudge
from ports.exceptions import NewException, Severity
from ports.outbox import OutboxRow, OutboxStatus

log = logging.getLogger(__name__)
MAX_ERROR = 2000


@dataclass(frozen=True)
class OutboxActor:
    mailbox: Mailbox
    handlers: Mapping[str, OutboxHandler]
    ctx: FlowContext
    relay_wake: Nudge
    lease_seconds: float

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as workers:
            for number in range(max(1, self.mailbox.spec.concurrency)):
                workers.start_soon(self._work, name=f"actor {self.mailbox.spec.name} worker {number}")
            task_status.started()

    async def _work(self) -> None:
        # Ends when the relay closes the mailbox on a graceful stop, after the buffered rows are done.
        async for envelope in self.mailbox.receive:
            await self.process(envelope)
            self.relay_wake.nudge()  # room in the mailbox: the relay may claim more

    async def process(self, envelope: Envelope) -> None:
        row, owner = envelope.row, self.mailbox.owner
        attributes: dict[str, str | int] = {
            "backflow.actor": self.mailbox.spec.name,
            "backflow.outbox.id": row.id,
            "backflow.outbox.kind": row.kind,
            "backflow.outbox.attempt": envelope.attempt,
        }
        with consumer_span(self.ctx.tracer, f"outbox {row.kind}", envelope.trace_ctx, attributes) as span:
            error: Exception | None = None
            lease = _Lease()
            async with anyio.create_task_group() as group:
                group.start_soon(self._keep_leased, row, lease, group.cancel_scope)
                try:
                    await self._run_handler(row)
                except Exception as exc:
                    error = exc
                finally:
                    group.cancel_scope.cancel()
            if lease.lost:
                span.set_attribute("backflow.outbox.lease_lost", True)
                return
            # The outcome is written even when shutdown cancels us right now: it is one small write.
            with anyio.CancelScope(shield=True):
                if error is None:
                    if not await self.ctx.outbox.complete(row.id, owner):
                        log.warning("lease lost before completion", extra={"outbox_id": row.id})
                    return
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                description = describe(error)
                status = await self.ctx.outbox.fail(row.id, owner, description)
                log.warning(
                    "outbox handler failed",
                    extra={
                        "outbox_id": row.id,
                        "kind": row.kind,
                        "attempt": envelope.attempt,
                        "error": description,
                    },
                )
                if status is OutboxStatus.DEAD:
                    await self._dead_letter(row, description)

    async def _run_handler(self, row: OutboxRow) -> None:
        handler = self.handlers.get(row.kind)
        if handler is None:
            raise LookupError(f"no handler registered for outbox kind {row.kind!r}")
        await handler(row)

    async def _keep_leased(self, row: OutboxRow, lease: _Lease, handler_scope: anyio.CancelScope) -> None:
        half = self.lease_seconds / 2
        remaining = (row.lease_until - self.ctx.clock.now()).total_seconds() if row.lease_until else 0.0
        await anyio.sleep(max(0.0, remaining - half))
        while True:
            try:
                renewed = await self.ctx.outbox.renew(row.id, self.mailbox.owner, self.lease_seconds)
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
        async with self.ctx.unit_of_work() as uow:
            uow.exceptions.raise_exception(
                NewException(
                    type="dead_letter",
                    owner=self.ctx.settings.owner_of("dead_letter"),
                    severity=Severity.ERROR,
                    dedupe_key=f"dead_letter:{row.id}",
                    evidence=msgspec.json.encode(evidence),
                )
            )
            await uow.commit()


@dataclass
class _Lease:
    lost: bool = False


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR]
