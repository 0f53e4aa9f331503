"""Outbox writes that carry the current trace and wake the relay.

Every row appended through the flows' unit of work (or the outbox directly) gets the W3C context of
the span that staged it when the flow left `trace_ctx` empty, so the actor that runs the row later
continues the same trace. A commit that staged rows tells the relay their kinds, so the work starts
at once instead of at the next poll, and only the actors of those kinds are claimed for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Self

import msgspec

from backflow.app.core.tracing import inject_context
from backflow.ports.outbox import (
    AppendResult,
    ClaimRequest,
    Outbox,
    OutboxEvent,
    OutboxMessage,
    OutboxRow,
    OutboxStatus,
)
from backflow.ports.unit_of_work import OutboxStaging, UnitOfWork, UnitOfWorkFactory


def with_trace(message: OutboxMessage) -> OutboxMessage:
    if message.trace_ctx:
        return message
    return msgspec.structs.replace(message, trace_ctx=inject_context())


OnWork = Callable[[Iterable[str] | None], None]
"""Told the kinds of the rows just committed (None: rows of kinds not known)."""


class TracedStaging:
    def __init__(self, inner: OutboxStaging) -> None:
        self._inner = inner
        self.staged: set[str] = set()

    def add(self, message: OutboxMessage) -> str:
        self.staged.add(message.kind)
        return self._inner.add(with_trace(message))

    def complete(self, outbox_id: str, owner: str) -> None:
        self._inner.complete(outbox_id, owner)


class TracedUnitOfWork:
    """The flows' unit of work with a traced outbox; every other repository is the inner one's."""

    def __init__(self, inner: UnitOfWork, on_outbox_commit: OnWork) -> None:
        self._inner = inner
        self._on_outbox_commit = on_outbox_commit
        self.returns = inner.returns
        self.orders = inner.orders
        self.exceptions = inner.exceptions
        self.stock = inner.stock
        self.refunds = inner.refunds
        self.credits = inner.credits
        self._staging = TracedStaging(inner.outbox)
        self.outbox: OutboxStaging = self._staging

    def __getattr__(self, name: str) -> Any:
        # Repositories added to the unit of work later (the timeline) pass through unchanged.
        return getattr(self._inner, name)

    async def commit(self) -> None:
        await self._inner.commit()
        if self._staging.staged:
            kinds, self._staging.staged = self._staging.staged, set()
            self._on_outbox_commit(kinds)

    async def __aenter__(self) -> Self:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)


def traced_unit_of_work(inner: UnitOfWorkFactory, on_outbox_commit: OnWork) -> UnitOfWorkFactory:
    def factory() -> UnitOfWork:
        return TracedUnitOfWork(inner(), on_outbox_commit)

    return factory


class TracedOutbox:
    """The Outbox port with traced appends and a relay nudge; everything else passes through."""

    def __init__(self, inner: Outbox, on_append: OnWork) -> None:
        self._inner = inner
        self._on_append = on_append

    async def append(self, message: OutboxMessage) -> AppendResult:
        result = await self._inner.append(with_trace(message))
        if not result.duplicate:
            self._on_append((message.kind,))
        return result

    async def claim(
        self, owner: str, *, limit: int, lease_seconds: float, kinds: Sequence[str] | None = None
    ) -> list[OutboxRow]:
        return await self._inner.claim(owner, limit=limit, lease_seconds=lease_seconds, kinds=kinds)

    async def claim_batch(
        self, requests: Sequence[ClaimRequest], *, lease_seconds: float
    ) -> list[list[OutboxRow]]:
        return await self._inner.claim_batch(requests, lease_seconds=lease_seconds)

    async def renew(self, outbox_id: str, owner: str, lease_seconds: float) -> bool:
        return await self._inner.renew(outbox_id, owner, lease_seconds)

    async def complete(self, outbox_id: str, owner: str) -> bool:
        return await self._inner.complete(outbox_id, owner)

    async def fail(self, outbox_id: str, owner: str, error: str) -> OutboxStatus | None:
        return await self._inner.fail(outbox_id, owner, error)

    async def requeue(self, outbox_id: str, actor: str) -> bool:
        moved = await self._inner.requeue(outbox_id, actor)
        if moved:
            self._on_append(None)  # the row's kind is not at hand: any actor may claim it
        return moved

    async def resolve(self, outbox_id: str, actor: str, note: str) -> bool:
        return await self._inner.resolve(outbox_id, actor, note)

    async def history(self, outbox_id: str) -> list[OutboxEvent]:
        return await self._inner.history(outbox_id)
