"""Scheduled: returns still waiting for their order are looked up again (and become orphans past the
horizon, which the anchoring raises). A return whose order was found but refused is not retried."""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import outbox_message
from backflow.domain.commands import AnchorReturn
from backflow.domain.return_case import Position

BATCH = 500


async def sweep_held_returns(*, store: StoreDeps) -> None:
    with store.tracer.start_as_current_span("job.held_returns"):
        async with store.unit_of_work() as uow:
            for record in await uow.returns.in_state(Position.AWAITING_ORDER.value, limit=BATCH):
                if record.ct_order_id is not None:
                    continue  # found but mismatched: a person decides (the exception's retry)
                command = AnchorReturn(
                    return_id=record.return_id, client_order_id=record.client_order_id or ""
                )
                lock = keys.order_lock(command.client_order_id)
                uow.outbox.add(outbox_message(command, keys.anchor_key(record.return_id), lock_key=lock))
            await uow.commit()
