"""The inbox processor: stored inbound events, in arrival order, dispatched by source to the flows.

Each event runs through the actor base (`app.runtime.actor_base`), under a CONSUMER span parented
from the request that delivered it. Success marks it processed; a failure is counted and retried
after a backoff (later events are not held up); the last allowed failure is final and raises an
exception. Quarantined bodies go straight to an exception. Each event is claimed before it runs, so
replicas sharing a database never process one at the same time.
Both are raised through `app.core.quarantine`, like the events a flow could not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import anyio
from anyio.abc import TaskStatus
from opentelemetry.trace import Span

from backflow.app.core.declarations import InboxHandler
from backflow.app.core.deps import StoreDeps
from backflow.app.core.quarantine import quarantine
from backflow.app.runtime.actor_base import Actor, Outcome, Unit
from backflow.app.runtime.wakeup import Lifecycle, Nudge
from backflow.ports.exceptions import Severity
from backflow.ports.inbox import Inbox, StoredInboundEvent

PAGE = 100


@dataclass
class InboxProcessor(Actor[StoredInboundEvent]):
    handlers: Mapping[str, InboxHandler]
    inbox: Inbox
    store: StoreDeps
    lifecycle: Lifecycle
    wake: Nudge
    poll_seconds: float
    max_attempts: int
    retry_cap_seconds: float = 30.0
    holder: str = "daemon"
    """Who claims the events (the run id): replicas on one PostgreSQL database each claim theirs."""
    claim_seconds: float = 30.0
    _not_before: dict[int, float] = field(default_factory=dict)
    """seq → monotonic time before which a failed event is not retried (kept in memory only)."""

    failure_message = "inbound event failed"

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        while not self.lifecycle.is_stopping:
            if not await self.drain():
                await self.wake.wait(self.poll_seconds)

    async def drain(self) -> bool:
        """One pass over the pending events; True if any was attempted."""
        attempted = False
        after = 0
        while not self.lifecycle.is_stopping:
            page = await self.inbox.pending(limit=PAGE, after_seq=after)
            for stored in page:
                if self.lifecycle.is_stopping:
                    break
                if self._not_before.get(stored.seq, 0.0) > self.store.clock.monotonic():
                    continue
                if not await self.inbox.claim(stored.seq, self.holder, self.claim_seconds):
                    # Another replica is on it (or just finished it): it goes on in arrival order from
                    # there; skipping past it here could run a later event of the same return first.
                    return attempted
                await self.process(stored)
                attempted = True
            if len(page) < PAGE:
                break
            after = page[-1].seq
        return attempted

    async def process(self, stored: StoredInboundEvent) -> None:
        await self.handle(stored)

    def unit_of(self, stored: StoredInboundEvent) -> Unit:
        event = stored.event
        return Unit(
            span_name=f"inbox {event.source} {event.kind}",
            trace_ctx=event.trace_ctx,
            attributes={
                "backflow.inbox.seq": stored.seq,
                "backflow.inbox.source": event.source,
                "backflow.inbox.kind": event.kind,
                "backflow.inbox.attempt": stored.attempts + 1,
            },
            log_fields={"seq": stored.seq, "source": event.source, "attempt": stored.attempts + 1},
        )

    async def settle_without_running(self, stored: StoredInboundEvent) -> bool:
        reason = stored.event.quarantine_reason
        if reason is not None:
            await self._final(stored, "quarantined_event", reason)
        return reason is not None

    async def work(self, stored: StoredInboundEvent, span: Span) -> Outcome:
        event = stored.event
        handler = self.handlers.get(event.source)
        if handler is None:
            raise LookupError(f"no inbox handler for source {event.source!r}")
        await handler(stored)
        return Outcome.DONE

    async def succeeded(self, stored: StoredInboundEvent) -> None:
        await self.inbox.mark_processed(stored.seq)
        self._not_before.pop(stored.seq, None)

    async def failed(self, stored: StoredInboundEvent, error: str) -> None:
        attempts = stored.attempts + 1
        if attempts >= self.max_attempts:
            await self._final(stored, "inbox_event_failed", error)
            return
        await self.inbox.mark_failed(stored.seq, error, final=False)
        delay = min(self.retry_cap_seconds, 0.5 * 2 ** (attempts - 1))
        self._not_before[stored.seq] = self.store.clock.monotonic() + delay

    async def _final(self, stored: StoredInboundEvent, exception_type: str, reason: str) -> None:
        with anyio.CancelScope(shield=True):
            # The exception first: if we crash between the two writes, the event is retried and the
            # exception's dedupe key makes the second raise a sighting, not a second exception.
            await quarantine(
                stored, reason, self.store, exception_type=exception_type, severity=Severity.ERROR
            )
            await self.inbox.mark_failed(stored.seq, reason, final=True)
        self._not_before.pop(stored.seq, None)
