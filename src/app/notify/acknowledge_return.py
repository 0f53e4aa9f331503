"""Tell ReBound what Backflow did; the row's idempotency key makes a repeat a no-op on its side."""

from __future__ import annotations

from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import AcknowledgeReturn, decode_payload
from backflow.app.core.notes import note_now
from backflow.domain.money import Money
from backflow.ports.outbox import OutboxRow
from backflow.ports.returns_platform import (
    AcknowledgedLine,
    Acknowledgement,
    AcknowledgementType,
    ReturnsPlatformPort,
)


def _money(amount: str | None, currency: str | None) -> Money | None:
    return Money.parse(amount, currency) if amount is not None and currency is not None else None


async def acknowledge_return(
    row: OutboxRow, *, store: StoreDeps, platform: ReturnsPlatformPort
) -> RowCompleted | None:
    command = decode_payload(row, AcknowledgeReturn)
    ack = Acknowledgement(
        type=AcknowledgementType(command.ack_type),
        lines=[
            AcknowledgedLine(line.client_item_id, line.quantity, _money(line.amount, command.currency))
            for line in command.lines
        ],
        amount=_money(command.amount, command.currency),
        reference=command.reference,
    )
    with store.tracer.start_as_current_span("acknowledge", attributes={"return.id": command.return_id}):
        await platform.acknowledge(command.return_id, ack, idempotency_key=row.idempotency_key)
    return await note_now(
        store,
        command.return_id,
        completing=row,
        source="rebound",
        action=f"acknowledged {command.ack_type}",
        outcome="ok",
        detail={"reference": command.reference, "idempotency_key": row.idempotency_key},
    )
