"""A return that cannot be anchored stays held (`AWAITING_ORDER`): while its order is not in
commercetools it is looked up again (an `orphan_return` past the horizon); an order found that does
not fit its items is a `return_order_mismatch`, and the held-returns sweep stops retrying it."""

from __future__ import annotations

import msgspec

from backflow.app.core.deps import StoreDeps
from backflow.app.core.notes import note
from backflow.app.core.policies import AnchoringPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import AnchorReturn
from backflow.domain.order import Order
from backflow.ports.exceptions import Severity
from backflow.ports.outbox import OutboxRow
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.timeline import TimelineReader

FIND_ORDER = "find order"


async def hold_return(
    store: StoreDeps,
    timeline: TimelineReader,
    anchoring_policy: AnchoringPolicy,
    *,
    command: AnchorReturn,
    row: OutboxRow,
    record: ReturnCaseRecord,
) -> None:
    """No order (yet): noted as held; past the horizon an orphan a person looks at."""
    waited = (store.clock.now() - record.created_at).total_seconds()
    horizon = anchoring_policy.orphan_horizon_seconds
    # The held-returns job looks on every tick; the timeline records a change (held, then orphan).
    outcome = "orphan" if waited > horizon else "held"
    last = await timeline.latest(command.return_id, action=FIND_ORDER)
    async with store.unit_of_work() as uow:
        detail = {
            "client_order_id": command.client_order_id,
            "waited_seconds": round(waited),
            "horizon": horizon,
        }
        if last is None or last.outcome != outcome:
            note(
                uow,
                store,
                command.return_id,
                source="commercetools",
                action=FIND_ORDER,
                outcome=outcome,
                detail=detail,
                order_ref=command.client_order_id,
            )
        if waited > horizon:
            raise_exception(
                uow,
                store,
                "orphan_return",
                dedupe_key=f"orphan_return:{command.return_id}",
                severity=Severity.ERROR,
                return_id=command.return_id,
                order_ref=command.client_order_id,
                evidence={
                    **detail,
                    "looked_up": ["orderNumber", "id"],
                    "return_created_at": record.created_at.isoformat(),
                },
                retry=retry_action(command, row.idempotency_key),
            )
        await uow.commit()


async def refuse_mismatch(
    store: StoreDeps,
    command: AnchorReturn,
    row: OutboxRow,
    record: ReturnCaseRecord,
    *,
    order: Order,
    problems: list[dict[str, str]],
) -> None:
    """The order was found but does not fit the return: an exception with what did not fit."""
    async with store.unit_of_work() as uow:
        evidence = {
            "order_id": order.id,
            "order_version": order.version,
            "order_number": order.orderNumber,
            "problems": problems,
        }
        note(
            uow,
            store,
            command.return_id,
            source="backflow",
            action="validate items against order",
            outcome="exception",
            detail=evidence,
            order_ref=order.id,
        )
        raise_exception(
            uow,
            store,
            "return_order_mismatch",
            dedupe_key=f"return_order_mismatch:{command.return_id}",
            severity=Severity.ERROR,
            return_id=command.return_id,
            order_ref=order.id,
            evidence=evidence,
            retry=retry_action(command, row.idempotency_key),
        )
        # Found but refused: remember the order so the held-returns sweep stops re-trying it.
        uow.returns.update(msgspec.structs.replace(record, ct_order_id=order.id))
        await uow.commit()
