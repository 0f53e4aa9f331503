"""A handler's last commit completes its outbox row, or marks its inbound event processed: one commit
where the result and the completion were two, and the worker is free one commit sooner."""

from __future__ import annotations

from backflow.app.core.declarations import EVENT_PROCESSED, ROW_COMPLETED, EventProcessed, RowCompleted
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.outbox import OutboxRow
from backflow.ports.unit_of_work import UnitOfWork


def complete_in(uow: UnitOfWork, row: OutboxRow | None) -> RowCompleted | None:
    """Stage `row`'s completion in this unit; what the handler returns. A row without a lease (run
    directly, not claimed) or none at all: None, and the caller completes as before."""
    if row is None or row.lease_owner is None:
        return None
    # A crash between the handler's writes and the completion can no longer leave the row leased
    # with its effect recorded; a lease lost meanwhile leaves the row to its new holder.
    uow.outbox.complete(row.id, row.lease_owner)
    return ROW_COMPLETED


def processed_in(uow: UnitOfWork, stored: StoredInboundEvent) -> EventProcessed:
    """Stage `stored`'s mark as processed in this unit; what the inbox handler returns once the unit
    is committed. A crash after the commit no longer runs the handler again over what it recorded."""
    uow.inbox.processed(stored.seq)
    return EVENT_PROCESSED
