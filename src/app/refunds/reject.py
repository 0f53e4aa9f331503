"""Finance rejected a refund: the return's items become NotRefunded in commercetools (those not refunded
already), then ReBound hears REFUND_REJECTED. Each write is idempotent, so a repeat changes nothing."""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.cases import read_case
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import AcknowledgeReturn, RejectRefund, decode_payload, outbox_message
from backflow.app.core.notes import note
from backflow.ports.commerce import CommercePort
from backflow.ports.outbox import OutboxRow


async def reject_refund(row: OutboxRow, *, store: StoreDeps, commerce: CommercePort) -> None:
    command = decode_payload(row, RejectRefund)
    rid = command.return_id
    with store.tracer.start_as_current_span("reject_refund", attributes={"return.id": rid}):
        stored = await read_case(store, rid)
        if stored is None:
            return
        case = stored.case
        marked: list[str] = []
        if case.order_id is not None:
            order = await commerce.get_order(case.order_id)
            for item in case.items:
                key = keys.return_item_key(item.rebound_item_id)
                on_order = order.return_item_by_key(key)
                if on_order is None or on_order.paymentState in ("Refunded", "NotRefunded"):
                    continue
                await commerce.set_return_payment_state(case.order_id, key, "NotRefunded")
                marked.append(key)
        reference = f"decision:{command.sequence}"
        async with store.unit_of_work() as uow:
            ack = AcknowledgeReturn(return_id=rid, ack_type="REFUND_REJECTED", reference=reference)
            uow.outbox.add(outbox_message(ack, keys.ack_key(rid, "REFUND_REJECTED", reference)))
            note(
                uow,
                store,
                rid,
                source="commercetools",
                action="refund rejected: items NotRefunded",
                outcome="ok",
                detail={"items": marked, "sequence": command.sequence},
                order_ref=case.order_id,
            )
            await uow.commit()
