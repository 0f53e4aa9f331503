"""The inbox processor: stored inbound events dispatched by source to the flows, in lanes by key.

A dispatcher reads pending events in arrival order and hands each to the queue of its key (see
`app.runtime.inbox_lanes`): events of one key run one at a time in arrival order, different keys
run at once within their lane's budget, and commercetools order events have a lane of their own.
Each lane keeps a cursor, so a full returns lane stops its scan without hiding the order events
behind it; every few seconds the scans start again from the oldest pending event (a PostgreSQL
sequence may commit out of order).

Each event runs through the actor base (`app.runtime.actor_base`), under a CONSUMER span parented
from the request that delivered it. Success marks it processed (unless the handler's last commit
did, returning `EVENT_PROCESSED`); a failure is counted and retried after a backoff (later events
are not held up); the last allowed failure is final and raises an exception. Quarantined bodies
go straight to an exception. Each event is claimed before it runs, so replicas sharing a database
never process one at the same time.
Both are raised through `app.core.quarantine`, like the events a flow could not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import anyio
import msgspec
from anyio.abc import TaskGroup, TaskStatus
from opentelemetry.trace import Span

from backflow.app.core.declarations import EVENT_PROCESSED, InboxHandler
from backflow.app.core.deps import StoreDeps
from backflow.app.core.quarantine import quarantine
from backflow.app.runtime.actor_base import Actor, Outcome, Unit
from backflow.app.runtime.inbox_lanes import ORDERS, RETURNS, KeyQueue, Lane, key_of, lane_of
from backflow.app.runtime.wakeup import Lifecycle, Nudge
from backflow.ports.exceptions import Severity
from backflow.ports.inbox import Inbox, StoredInboundEvent

PAGE = 100
BUFFER_PER_WORKER = 8
"""Events a lane may hold in its key queues per concurrent worker: enough to keep them busy."""


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
    orders_concurrency: int = 16
    """Each order event waits for a commit (its outbox row and its mark); 4 at once kept up with about
    60 events a second on a busy machine when they were two commits, below a surge's 50 orders plus
    ~100 return messages."""
    returns_concurrency: int = 8
    rescan_seconds: float = 5.0
    _lanes: dict[str, Lane] = field(default_factory=dict)
    _queues: dict[str, KeyQueue] = field(default_factory=dict)
    _taken: set[int] = field(default_factory=set)
    """Seqs queued, running or held for a retry: a scan passes over them."""
    _claimed_at: dict[int, float] = field(default_factory=dict)
    """seq → monotonic time this replica claimed it in a page (until the event starts)."""
    _retries: dict[int, tuple[float, StoredInboundEvent]] = field(default_factory=dict)
    """seq → (monotonic time it may run again, the event as it now stands), kept in memory only."""
    _next_rescan: float = 0.0
    holder: str = "daemon"
    """Who claims the events (the run id): replicas on one PostgreSQL database each claim theirs."""
    claim_seconds: float = 30.0

    failure_message = "inbound event failed"

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        # A restart after a crash starts afresh: whatever was queued is still pending in the store.
        self._lanes = {
            ORDERS: Lane(ORDERS, self.orders_concurrency, self.orders_concurrency * BUFFER_PER_WORKER),
            RETURNS: Lane(RETURNS, self.returns_concurrency, self.returns_concurrency * BUFFER_PER_WORKER),
        }
        self._queues, self._taken, self._retries, self._claimed_at = {}, set(), {}, {}
        self._next_rescan = 0.0
        async with anyio.create_task_group() as workers:
            task_status.started()
            while not self.lifecycle.is_stopping:
                await self._dispatch(workers)
                await self.wake.wait(self._idle_seconds())
        # Leaving the task group waits for the events already running; queued ones stay pending.

    async def _dispatch(self, workers: TaskGroup) -> None:
        now = self.store.clock.monotonic()
        if now >= self._next_rescan:
            self._next_rescan = now + self.rescan_seconds
            for lane in self._lanes.values():
                lane.cursor = 0
        for seq, (due, stored) in list(self._retries.items()):
            lane = self._lanes[lane_of(stored.event)]
            if due > now:
                continue
            if lane.has_room:
                del self._retries[seq]
                self._enqueue(workers, lane, stored)
            else:
                lane.starved = True  # its workers wake the dispatcher as room frees
        for lane in self._lanes.values():
            await self._fill(workers, lane)

    async def _fill(self, workers: TaskGroup, lane: Lane) -> None:
        """Hand out this lane's pending events from its cursor until the end or a full buffer."""
        lane.starved = not lane.has_room
        if lane.starved:
            return  # a full lane reads nothing: its workers wake the dispatcher as room frees
        after = lane.cursor
        # Keys with an event another replica holds (none of their later events runs here this pass),
        # and where the lane's next pass starts again: before the first such event.
        elsewhere: set[str] = set()
        resume: int | None = None
        while not self.lifecycle.is_stopping:
            page = await self.inbox.pending(limit=PAGE, after_seq=after)
            wanted: list[StoredInboundEvent] = []
            room = lane.buffer - lane.outstanding
            for stored in page:
                if self._lanes[lane_of(stored.event)] is lane and stored.seq not in self._taken:
                    if len(wanted) == room:
                        lane.starved = True
                        break
                    wanted.append(stored)
                after = stored.seq
            # One claim for the page's events of this lane (one transaction on PostgreSQL, where a
            # claim per event made the orders lane wait behind the round trips of a returns surge).
            held = await self.inbox.claim_many([s.seq for s in wanted], self.holder, self.claim_seconds)
            claimed_at = self.store.clock.monotonic()
            for stored in wanted:
                key = key_of(stored.event)
                if stored.seq not in held or key in elsewhere:
                    # Another replica is on this key: its later events wait for a later pass (one
                    # this replica holds now is claimed again then), other keys go on.
                    elsewhere.add(key)
                    resume = stored.seq - 1 if resume is None else resume
                    continue
                self._taken.add(stored.seq)
                self._claimed_at[stored.seq] = claimed_at
                self._enqueue(workers, lane, stored, key)
            if lane.starved or len(page) < PAGE:
                break
        lane.cursor = after if resume is None else min(after, resume)

    def _enqueue(
        self, workers: TaskGroup, lane: Lane, stored: StoredInboundEvent, key: str | None = None
    ) -> None:
        key = key_of(stored.event) if key is None else key
        lane.outstanding += 1
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = KeyQueue(lane)
            queue.events.append(stored)
            workers.start_soon(self._run_key, key, queue, name=f"inbox {key}")
        else:
            queue.events.append(stored)

    async def _run_key(self, key: str, queue: KeyQueue) -> None:
        """One key's events, one at a time in arrival order, each under its lane's budget."""
        lane = queue.lane
        try:
            while queue.events and not self.lifecycle.is_stopping:
                async with lane.running:
                    stored = queue.events[0]
                    if await self._still_ours(stored.seq):
                        await self.handle(stored)
                    else:
                        self._taken.discard(stored.seq)
                queue.events.popleft()
                lane.outstanding -= 1
                if lane.starved and lane.outstanding <= lane.buffer // 2:
                    lane.starved = False
                    self.wake.nudge()
        finally:
            del self._queues[key]

    async def _still_ours(self, seq: int) -> bool:
        """Whether this replica may run the event now. A claim made within the first half of its
        length cannot have lapsed (another holder takes one only once it has expired); an older one,
        or a retry's, is claimed again as the event starts: it may be another's by now."""
        claimed_at = self._claimed_at.pop(seq, None)
        if claimed_at is not None and self.store.clock.monotonic() - claimed_at < self.claim_seconds / 2:
            return True
        return await self.inbox.claim(seq, self.holder, self.claim_seconds)

    def _idle_seconds(self) -> float:
        now = self.store.clock.monotonic()
        # A retry already due waits for room in its lane, which wakes the dispatcher: no busy loop.
        soonest = min(
            (due for due, _ in self._retries.values() if due > now), default=now + self.poll_seconds
        )
        return max(0.0, min(self.poll_seconds, soonest - now))

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
        if await handler(stored) is EVENT_PROCESSED:
            # The handler's own commit marked the event: nothing left to record.
            self._taken.discard(stored.seq)
            return Outcome.SETTLED
        return Outcome.DONE

    async def succeeded(self, stored: StoredInboundEvent) -> None:
        await self.inbox.mark_processed(stored.seq)
        self._taken.discard(stored.seq)

    async def failed(self, stored: StoredInboundEvent, error: str) -> None:
        attempts = stored.attempts + 1
        if attempts >= self.max_attempts:
            await self._final(stored, "inbox_event_failed", error)
            return
        await self.inbox.mark_failed(stored.seq, error, final=False)
        delay = min(self.retry_cap_seconds, 0.5 * 2 ** (attempts - 1))
        # Held here (its seq stays taken) until due; the events behind it in its key go on meanwhile.
        retry = msgspec.structs.replace(stored, attempts=attempts)
        self._retries[stored.seq] = (self.store.clock.monotonic() + delay, retry)

    async def _final(self, stored: StoredInboundEvent, exception_type: str, reason: str) -> None:
        with anyio.CancelScope(shield=True):
            # The exception first: if we crash between the two writes, the event is retried and the
            # exception's dedupe key makes the second raise a sighting, not a second exception.
            await quarantine(
                stored, reason, self.store, exception_type=exception_type, severity=Severity.ERROR
            )
            await self.inbox.mark_failed(stored.seq, reason, final=True)
        self._taken.discard(stored.seq)
