"""The outbox: durable hand-offs between actors, with leases, retries and a dead-letter state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import msgspec


class OutboxStatus(StrEnum):
    PENDING = "pending"
    LEASED = "leased"
    DONE = "done"
    DEAD = "dead"


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A row to append; the store gives it a time-ordered id."""

    kind: str
    payload: bytes
    """msgspec-encoded JSON; its struct must evolve compatibly (new fields with defaults)."""
    idempotency_key: str
    """Unique among live (pending or leased) rows; sent on to commercetools/ReBound where they accept one."""
    available_at: datetime | None = None
    """Not claimable before this instant; None means now."""
    trace_ctx: dict[str, str] = {}
    lock_key: str | None = None
    """The key the job is serialised on (its order, its return): while one row with this key is
    leased, no other is claimed. None: not serialised."""


class AppendResult(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    duplicate: bool
    """True when a live row already had this idempotency key: `id` is that row's and nothing was added."""


class OutboxRow(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: str
    payload: bytes
    idempotency_key: str
    status: OutboxStatus
    attempts: int
    """Attempts started so far (claims); the attempt a claimer is running is this number."""
    available_at: datetime
    created_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    trace_ctx: dict[str, str]
    last_error: str | None
    lock_key: str | None = None


class ClaimRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One claimer's share of a `claim_batch`: up to `limit` rows of `kinds` (None: any) leased to `owner`."""

    owner: str
    limit: int
    kinds: tuple[str, ...] | None = None


class OutboxEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One transition of a row, for its history."""

    outbox_id: str
    at: datetime
    from_status: OutboxStatus | None
    to_status: OutboxStatus
    actor: str | None
    detail: str | None


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Exponential backoff with full jitter: delay = uniform(0, min(cap, base * 2**(attempt - 1)))."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    max_attempts: int = 8

    def ceiling(self, attempt: int) -> float:
        """The largest delay after failed attempt number `attempt` (1-based)."""
        exponent = max(attempt - 1, 0)
        # 2**exponent overflows floats long after the cap applies: stop doubling early.
        if exponent > 62:
            return self.cap_seconds
        return min(self.cap_seconds, self.base_seconds * float(2**exponent))

    def delay(self, attempt: int, random01: Callable[[], float]) -> float:
        """Seconds to wait after failed attempt `attempt`; `random01` returns a float in [0, 1)."""
        return self.ceiling(attempt) * random01()

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


class Outbox(Protocol):
    async def append(self, message: OutboxMessage) -> AppendResult:
        """Durably add one row (committed before returning), outside any unit of work."""
        ...

    async def claim(
        self, owner: str, *, limit: int, lease_seconds: float, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        """Lease up to `limit` due rows (pending and due, or leased with an expired lease), oldest first.

        Never a row whose lock key an unexpired lease holds, and at most one row per key: so no two
        jobs with one key run at once, across claimers and processes. An expired lease frees its key.
        """
        ...

    async def claim_batch(
        self, requests: Sequence[ClaimRequest], *, lease_seconds: float
    ) -> list[list[OutboxRow]]:
        """Several claims in one transaction, each as `claim` would make it, in order (a later request
        sees the leases of the earlier ones); the rows of each request, in the requests' order. One
        commit for the relay's round over every actor instead of one per actor."""
        ...

    async def renew(self, outbox_id: str, owner: str, lease_seconds: float) -> bool:
        """Extend a lease we still hold; False when it was lost (expired and claimed by someone else)."""
        ...

    async def complete(self, outbox_id: str, owner: str) -> bool:
        """Mark done if `owner` still holds the lease; False (and nothing changes) otherwise."""
        ...

    async def fail(self, outbox_id: str, owner: str, error: str) -> OutboxStatus | None:
        """Record a failed attempt: PENDING (retried after a backoff) or DEAD; None if the lease was lost."""
        ...

    async def requeue(self, outbox_id: str, actor: str) -> bool:
        """Put a dead row back to pending, due now, with its attempts reset."""
        ...

    async def resolve(self, outbox_id: str, actor: str, note: str) -> bool:
        """Close a dead row by hand (done), keeping the note in its history."""
        ...

    async def history(self, outbox_id: str) -> list[OutboxEvent]:
        """Every transition of the row, oldest first."""
        ...
