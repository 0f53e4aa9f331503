"""Restock: only after grading; each item goes where its disposition says, each movement once."""

from __future__ import annotations

from backflow.app.core import keys
from backflow.app.core.cases import StoredCase, read_case
from backflow.app.core.completion import complete_in
from backflow.app.core.declarations import RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import AckLine, AcknowledgeReturn, decode_payload, outbox_message
from backflow.app.core.notes import note
from backflow.app.core.order_copies import order_with_items
from backflow.app.core.policies import RestockPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import RestockItems
from backflow.domain.order import ReturnShipmentState
from backflow.domain.return_case import CaseItem
from backflow.domain.statuses import (
    Disposition,
    RestockTarget,
    Unknown,
    is_graded,
    parse_disposition,
    restock_target,
)
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import PortError
from backflow.ports.exceptions import Severity
from backflow.ports.ledgers import StockMovement, StockMovementState, WriteOff
from backflow.ports.outbox import OutboxRow
from backflow.ports.unit_of_work import UnitOfWork

_EXCEPTION_TYPES = {Disposition.MISSING: "missing_item", Disposition.UNEXPECTED_ITEM: "unexpected_item"}


async def restock_items(
    row: OutboxRow, *, store: StoreDeps, commerce: CommercePort, restock_policy: RestockPolicy
) -> RowCompleted | None:
    command = decode_payload(row, RestockItems)
    rid = command.return_id
    with store.tracer.start_as_current_span("restock_items", attributes={"return.id": rid}):
        stored = await read_case(store, rid)
        if stored is None:
            return None
        if stored.case.order_id is None or not is_graded(stored.case.rebound_status):
            return None  # stock changes only after inspection (and once the return is anchored)
        try:
            return await _restock(
                row, command, stored, store=store, commerce=commerce, restock_policy=restock_policy
            )
        except PortError as error:
            if row.attempts >= restock_policy.failure_attempts:
                async with store.unit_of_work() as uow:
                    raise_exception(
                        uow,
                        store,
                        "restock_failed",
                        dedupe_key=f"restock_failed:{rid}",
                        severity=Severity.ERROR,
                        return_id=rid,
                        order_ref=stored.case.order_id,
                        retry=retry_action(command, row.idempotency_key),
                        evidence={"error": error.message, "status": error.status, "attempts": row.attempts},
                    )
                    note(
                        uow,
                        store,
                        rid,
                        source="commercetools",
                        action="restock",
                        outcome="failed",
                        detail={"error": error.message, "attempts": row.attempts},
                        order_ref=stored.case.order_id,
                    )
                    await uow.commit()
            raise  # retried with backoff


async def _restock(
    row: OutboxRow,
    command: RestockItems,
    stored: StoredCase,
    *,
    store: StoreDeps,
    commerce: CommercePort,
    restock_policy: RestockPolicy,
) -> RowCompleted | None:
    wanted = set(command.rebound_item_ids)
    order_id = stored.case.order_id
    assert order_id is not None
    restocked: list[AckLine] = []
    written_off: list[WriteOff] = []
    graded: dict[str, ReturnShipmentState] = {}
    for item in (i for i in stored.case.items if i.rebound_item_id in wanted):
        disposition = parse_disposition(item.disposition or "")
        target = restock_target(disposition, restock_policy.routing)
        if target is RestockTarget.EXCEPTION:
            await _item_exception(store, stored, item, disposition)
            continue
        channel = {
            RestockTarget.SELLABLE_CHANNEL: restock_policy.supply_channel_id,
            RestockTarget.OUTLET_CHANNEL: restock_policy.outlet_channel_id,
        }.get(target)
        moves = target is not RestockTarget.NONE and item.quantity_received > 0
        if moves and item.sku:
            await _move_stock(store, commerce, stored, item, channel)
            restocked.append(AckLine(client_item_id=item.line_id, quantity=item.quantity_received))
        elif item.sku and item.quantity_received > 0:
            written_off.append(
                WriteOff(
                    marker=keys.write_off_marker(stored.case.return_id, item.rebound_item_id),
                    sku=item.sku,
                    quantity=item.quantity_received,
                    disposition=item.disposition,
                    return_id=stored.case.return_id,
                    item_id=item.rebound_item_id,
                )
            )
        if item.quantity_received > 0:
            graded[keys.return_item_key(item.rebound_item_id)] = "BackInStock" if moves else "Unusable"
    if graded:
        await _set_states(commerce, order_id, graded)
    async with store.unit_of_work() as uow:
        ack = AcknowledgeReturn(
            return_id=stored.case.return_id,
            ack_type="RESTOCKED",
            lines=tuple(restocked),
            reference=row.idempotency_key,
        )
        uow.outbox.add(
            outbox_message(ack, keys.ack_key(stored.case.return_id, "RESTOCKED", row.idempotency_key))
        )
        for write_off in written_off:  # units graded out of stock: recorded once each, for the report
            uow.stock.record_write_off(write_off)
        uow.exceptions.resolve_key(
            f"restock_failed:{stored.case.return_id}", actor="backflow", note="restock completed"
        )
        note(
            uow,
            store,
            stored.case.return_id,
            source="backflow",
            action="restock decided",
            outcome="ok",
            detail={
                "restocked": [[line.client_item_id, line.quantity] for line in restocked],
                "written_off": [[w.sku, w.quantity, w.disposition] for w in written_off],
            },
            order_ref=order_id,
        )
        done = complete_in(uow, row)
        await uow.commit()
    return done


async def _move_stock(
    store: StoreDeps, commerce: CommercePort, stored: StoredCase, item: CaseItem, channel: str | None
) -> None:
    rid = stored.case.return_id
    marker = keys.restock_marker(rid, item.rebound_item_id)
    async with store.unit_of_work() as reads:
        known = await reads.stock.get(marker)
    if known is not None and known.state is StockMovementState.APPLIED:
        return
    assert item.sku is not None
    with store.tracer.start_as_current_span("restock.add_quantity", attributes={"sku": item.sku}):
        outcome = await commerce.restock(item.sku, channel, item.quantity_received, marker)
    async with store.unit_of_work() as uow:
        movement = StockMovement(
            marker=marker,
            sku=item.sku,
            supply_channel=channel,
            quantity=item.quantity_received,
            return_id=rid,
            item_id=item.rebound_item_id,
            disposition=item.disposition,
        )
        uow.stock.record(movement)
        uow.stock.set_state(marker, StockMovementState.APPLIED, inventory_version=outcome.entry.version)
        note(
            uow,
            store,
            rid,
            source="commercetools",
            action=f"restock {item.sku} +{item.quantity_received}",
            outcome="ok" if outcome.applied else "already applied",
            order_ref=stored.case.order_id,
            detail={"marker": marker, "channel": channel, "inventory_version": outcome.entry.version},
        )
        await uow.commit()


async def _set_states(commerce: CommercePort, order_id: str, graded: dict[str, ReturnShipmentState]) -> None:
    """Every graded item in one request on the version just read; an item not on the order, or
    already BackInStock/Unusable, is left alone (the adapter moves an Advised one via Returned)."""
    # Version-checked write: a stale copy re-reads; one lacking an item another replica added is read now.
    order = await order_with_items(commerce, order_id, graded)
    due: dict[str, ReturnShipmentState] = {}
    for key, state in graded.items():
        on_order = order.return_item_by_key(key)
        if on_order is not None and on_order.shipmentState not in ("BackInStock", "Unusable"):
            due[key] = state
    if due:
        await commerce.set_return_shipment_states(order_id, due, current=order)


async def _item_exception(
    store: StoreDeps, stored: StoredCase, item: CaseItem, disposition: Disposition | Unknown
) -> None:
    rid = stored.case.return_id
    if isinstance(disposition, Unknown):
        kind, dedupe = "unknown_disposition", f"unknown_disposition:{rid}:disposition={disposition.raw}"
    else:
        kind = _EXCEPTION_TYPES[disposition]
        dedupe = f"{kind}:{rid}:{item.rebound_item_id}"
    async with store.unit_of_work() as uow:
        _raise_item(uow, store, kind, dedupe=dedupe, stored=stored, item=item)
        note(
            uow,
            store,
            rid,
            source="backflow",
            action=f"restock {item.rebound_item_id}",
            outcome="exception",
            detail={"disposition": item.disposition, "type": kind},
            order_ref=stored.case.order_id,
        )
        await uow.commit()


def _raise_item(
    uow: UnitOfWork, store: StoreDeps, kind: str, *, dedupe: str, stored: StoredCase, item: CaseItem
) -> None:
    raise_exception(
        uow,
        store,
        kind,
        dedupe_key=dedupe,
        severity=Severity.WARNING,
        return_id=stored.case.return_id,
        order_ref=stored.case.order_id,
        evidence={
            "rebound_item_id": item.rebound_item_id,
            "sku": item.sku,
            "line_id": item.line_id or None,
            "disposition": item.disposition,
            "quantity_expected": item.quantity_expected,
            "quantity_received": item.quantity_received,
        },
    )
