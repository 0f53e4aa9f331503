"""One transaction for a state change plus the outbox rows that follow from it."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from backflow.ports.decisions import RefundDecisions
from backflow.ports.exceptions import ExceptionRepository
from backflow.ports.ledgers import CreditLedger, RefundLedger, StockLedger
from backflow.ports.outbox import OutboxMessage
from backflow.ports.return_cases import ReturnCaseRepository
from backflow.ports.synced_orders import SyncedOrderRepository
from backflow.ports.timeline import TimelineWriter


class OutboxStaging(Protocol):
    def add(self, message: OutboxMessage) -> str:
        """Stage an outbox row in this unit of work; returns its id. A live duplicate key is skipped."""
        ...

    def complete(self, outbox_id: str, owner: str) -> None:
        """Stage the completion of a row `owner` holds leased, to commit with this unit's other writes
        (one commit where the handler's result and the row's completion were two). A lease lost
        meanwhile leaves the row as it is, like `Outbox.complete`; the unit's other writes still apply."""
        ...


class InboxStaging(Protocol):
    def processed(self, seq: int) -> None:
        """Stage the mark of inbound event `seq` as processed (and the end of its claim), to commit
        with this unit's other writes: the event's effect and its mark in one commit. An event no
        longer pending is left as it is, like `Inbox.mark_processed`."""
        ...


class UnitOfWork(Protocol):
    """Reads see committed data; writes are staged and applied atomically by `commit()`.

    Leaving the block without `commit()` discards the staged writes. A stale version makes `commit()`
    raise `ports.errors.ConflictError` and nothing of the unit is applied.
    """

    returns: ReturnCaseRepository
    orders: SyncedOrderRepository
    exceptions: ExceptionRepository
    stock: StockLedger
    refunds: RefundLedger
    credits: CreditLedger
    decisions: RefundDecisions
    outbox: OutboxStaging
    inbox: InboxStaging
    timeline: TimelineWriter

    async def commit(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
