"""The outbox rows that follow from a case's transition, staged in the same unit of work."""

from __future__ import annotations

from collections.abc import Iterable

from backflow.app.core import keys
from backflow.app.core.messages import MarkItemsReturned, outbox_message
from backflow.domain.commands import IssueRefund, RestockItems
from backflow.domain.events import DomainEvent, RefundRequested, RestockDue, ReturnReceived
from backflow.domain.return_case import Position, ReturnCase
from backflow.domain.statuses import is_graded, is_received
from backflow.ports.unit_of_work import UnitOfWork


def stage_follow_ups(
    uow: UnitOfWork, case: ReturnCase, events: Iterable[DomainEvent], sequence: int
) -> list[str]:
    """Stage what the domain events call for; returns the kinds staged (for the timeline).

    Nothing touches commercetools before the case is anchored: anchoring stages what is due then.
    """
    staged: list[str] = []
    if case.order_id is None:
        return staged
    rid, lock = case.return_id, keys.order_lock(case.client_order_id)
    for event in events:
        match event:
            case RefundRequested(sequence=trigger):
                uow.outbox.add(
                    outbox_message(
                        IssueRefund(return_id=rid, sequence=trigger),
                        keys.refund_key(rid, trigger),
                        lock_key=lock,
                    )
                )
                staged.append("IssueRefund")
            case ReturnReceived():
                uow.outbox.add(
                    outbox_message(
                        MarkItemsReturned(return_id=rid, sequence=sequence),
                        keys.returned_key(rid, sequence),
                        lock_key=lock,
                    )
                )
                staged.append("MarkItemsReturned")
                if case.position is Position.REFUND_PENDING:  # a trigger that waited for the receipt
                    uow.outbox.add(
                        outbox_message(
                            IssueRefund(return_id=rid, sequence=sequence),
                            keys.refund_key(rid, sequence),
                            lock_key=lock,
                        )
                    )
                    staged.append("IssueRefund")
            case RestockDue():
                stage_restock(uow, case, sequence)
                staged.append("RestockItems")
    return staged


def stage_restock(uow: UnitOfWork, case: ReturnCase, sequence: int) -> None:
    ids = tuple(item.rebound_item_id for item in case.items)
    rid = case.return_id
    uow.outbox.add(
        outbox_message(
            RestockItems(return_id=rid, rebound_item_ids=ids),
            keys.restock_key(rid, sequence),
            lock_key=keys.order_lock(case.client_order_id),
        )
    )


def stage_due_on_anchoring(uow: UnitOfWork, case: ReturnCase, events: Iterable[DomainEvent]) -> list[str]:
    """At anchoring: the refund triggered earlier (in `events`), and what the status already calls for."""
    staged = stage_follow_ups(
        uow, case, [e for e in events if isinstance(e, RefundRequested)], case.last_sequence
    )
    rid, sequence = case.return_id, case.last_sequence
    if is_received(case.rebound_status):
        uow.outbox.add(
            outbox_message(
                MarkItemsReturned(return_id=rid, sequence=sequence),
                keys.returned_key(rid, sequence),
                lock_key=keys.order_lock(case.client_order_id),
            )
        )
        staged.append("MarkItemsReturned")
    if is_graded(case.rebound_status):
        stage_restock(uow, case, sequence)
        staged.append("RestockItems")
    return staged
