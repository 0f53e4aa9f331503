"""The outbox relay: claims due rows for each actor, never more than that actor's inbox has room for.

Backpressure is the bound of each actor's memory stream: a slow actor leaves rows in the database
(where they are visible and survive a crash) instead of piling them up in memory under a lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import anyio.lowlevel
from anyio.abc import TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from backflow.app.core.declarations import ActorSpec
from backflow.app.runtime.envelope import Envelope
from backflow.app.runtime.wakeup import Lifecycle, Nudge
from backflow.ports.outbox import Outbox


@dataclass
class Mailbox:
    """One actor's bounded inbox; the relay is its only sender."""

    spec: ActorSpec
    owner: str
    """The lease owner for this actor in this process run."""
    send: MemoryObjectSendStream[Envelope]
    receive: MemoryObjectReceiveStream[Envelope]
    capacity: int

    @classmethod
    def open(cls, spec: ActorSpec, run_id: str) -> Mailbox:
        capacity = max(1, spec.concurrency)
        send, receive = anyio.create_memory_object_stream[Envelope](capacity)
        return cls(spec, f"{spec.name}@{run_id}", send, receive, capacity)

    def free(self) -> int:
        return self.capacity - self.send.statistics().current_buffer_used

    def depth(self) -> int:
        return self.send.statistics().current_buffer_used


async def run_outbox_relay(
    outbox: Outbox,
    mailboxes: Sequence[Mailbox],
    lifecycle: Lifecycle,
    wake: Nudge,
    *,
    lease_seconds: float,
    poll_seconds: float,
    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    task_status.started()
    while not lifecycle.is_stopping:
        more = False
        for mailbox in mailboxes:
            free = mailbox.free()
            if free <= 0 or lifecycle.is_stopping:
                continue
            rows = await outbox.claim(
                mailbox.owner, limit=free, lease_seconds=lease_seconds, kinds=mailbox.spec.kinds
            )
            for row in rows:
                mailbox.send.send_nowait(Envelope.of(row))
            more = more or len(rows) == free
        if more:
            # A full batch: there may be more due; come back once the actors have taken some.
            await anyio.lowlevel.checkpoint()
        else:
            await wake.wait(poll_seconds)
    # A graceful stop (not a crash): closing the senders lets each actor drain what it holds and end.
    for mailbox in mailboxes:
        mailbox.send.close()
