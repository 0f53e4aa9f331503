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
from backflow.ports.outbox import ClaimRequest, Outbox


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
    # Actors that may have due rows: all at first; then those whose kinds were committed, those whose
    # last claim was cut short by their room, and all again at every poll (retries coming due, rows
    # of other replicas, a lost nudge). A claim for an actor with nothing due is a write for nothing.
    wanted = {mailbox.owner for mailbox in mailboxes}
    while not lifecycle.is_stopping:
        # One transaction for the round: most rounds find work for one or two actors.
        hungry = [(m, m.free()) for m in mailboxes if m.owner in wanted]
        hungry = [(m, free) for m, free in hungry if free > 0]
        more = False
        if hungry:
            requests = [ClaimRequest(owner=m.owner, limit=free, kinds=m.spec.kinds) for m, free in hungry]
            claimed = await outbox.claim_batch(requests, lease_seconds=lease_seconds)
            for (mailbox, free), rows in zip(hungry, claimed, strict=True):
                for row in rows:
                    mailbox.send.send_nowait(Envelope.of(row))
                if len(rows) < free:
                    wanted.discard(mailbox.owner)  # claimed all that was due
                else:
                    more = True  # a full batch: there may be more due
        if more:
            # Come back once the actors have taken some.
            await anyio.lowlevel.checkpoint()
            nudged = True
        else:
            nudged = await wake.wait(poll_seconds)
        everything, kinds = wake.take()
        if everything or not nudged:
            wanted.update(m.owner for m in mailboxes)
        elif kinds:
            wanted.update(m.owner for m in mailboxes if not kinds.isdisjoint(m.spec.kinds))
    # A graceful stop (not a crash): closing the senders lets each actor drain what it holds and end.
    for mailbox in mailboxes:
        mailbox.send.close()
