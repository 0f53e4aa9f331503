"""Order sync: the latest commercetools order upserted to ReBound, its lag measured, held returns woken."""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.completion import complete_in
from backflow.app.core.declarations import ROW_COMPLETED, RowCompleted
from backflow.app.core.deps import StoreDeps
from backflow.app.core.messages import decode_payload, outbox_message
from backflow.app.core.notes import note
from backflow.app.core.policies import OrderSyncPolicy
from backflow.app.core.problems import raise_exception, retry_action
from backflow.domain.commands import AnchorReturn, SyncOrder
from backflow.domain.order import Order
from backflow.domain.return_case import Position
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import NotFoundError, PortError
from backflow.ports.exceptions import Severity
from backflow.ports.outbox import OutboxRow
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.synced_orders import SyncedOrder, SyncStatus
from backflow.ports.unit_of_work import UnitOfWork
from backflow.ports.upstream_priority import critical_path


async def sync_order(
    row: OutboxRow,
    *,
    store: StoreDeps,
    commerce: CommercePort,
    platform: ReturnsPlatformPort,
    order_policy: OrderSyncPolicy,
) -> RowCompleted | None:
    command = decode_payload(row, SyncOrder)
    with (
        critical_path(),  # its commercetools calls use the reserved slots when the general ones are busy
        store.tracer.start_as_current_span("sync_order", attributes={"order.id": command.order_id}),
    ):
        # One read of what ReBound has, before and after fetching the order: no other sync of this
        # order runs meanwhile (its rows share a lock key), so it cannot change in between.
        async with store.unit_of_work() as reads:
            known = await reads.orders.get(command.order_id)
        if command.version is not None and _synced_already(known, command.version):
            return None  # the push, the message poll and the sweep each announce a version: one read does
        order = command.order
        if order is None:
            try:
                order = await commerce.get_order(command.order_id)
            except NotFoundError:
                return None  # deleted since the message: nothing to offer for returns
        if _synced_already(known, order.version):
            return None  # this version (or a newer one) is in ReBound already
        digest = platform.sales_order_digest(order)
        if known is not None and known.status is SyncStatus.SYNCED and known.payload_digest == digest:
            # A version only Backflow's own writes made (return info, shipment and payment states):
            # ReBound has this sales order already, so no call, and the order keeps the lag of the
            # sync that changed what the portal shows.
            await _recorded_unchanged(store, order, known, row)
            return ROW_COMPLETED
        try:
            with store.tracer.start_as_current_span("sync_order.upsert"):
                await platform.upsert_sales_order(order)
        except PortError as error:
            await _failing(store, order_policy, row, command, order, known=known, error=error)
            raise  # retried with backoff
        await _synced(store, order_policy, order, row, known=known, digest=digest)
        return ROW_COMPLETED


def _synced_already(known: SyncedOrder | None, version: int) -> bool:
    return known is not None and known.status is SyncStatus.SYNCED and known.ct_version >= version


async def _failing(
    store: StoreDeps,
    order_policy: OrderSyncPolicy,
    row: OutboxRow,
    command: SyncOrder,
    order: Order,
    *,
    known: SyncedOrder | None,
    error: PortError,
) -> None:
    attempts = (known.attempts if known else 0) + 1
    async with store.unit_of_work() as uow:
        uow.orders.upsert(
            SyncedOrder(
                ct_order_id=order.id,
                order_number=order.orderNumber,
                ct_version=known.ct_version if known else 0,
                status=SyncStatus.FAILING,
                last_synced_at=known.last_synced_at if known else None,
                lag_seconds=known.lag_seconds if known else None,
                attempts=attempts,
                last_error=error.message,
                # What ReBound holds is still what the last successful sync sent.
                payload_digest=known.payload_digest if known else None,
                resyncs_skipped=known.resyncs_skipped if known else 0,
            )
        )
        if row.attempts >= order_policy.failure_attempts:
            raise_exception(
                uow,
                store,
                "order_sync_failing",
                dedupe_key=f"order_sync_failing:{order.id}",
                severity=Severity.ERROR,
                order_ref=order.orderNumber or order.id,
                retry=retry_action(command, row.idempotency_key),
                evidence={
                    "order_id": order.id,
                    "order_number": order.orderNumber,
                    "version": order.version,
                    "attempts": row.attempts,
                    "error": error.message,
                    "status": error.status,
                },
            )
        await uow.commit()


def ordered_skus(order: Order) -> dict[str, int]:
    """Units ordered per SKU: what a return rate is measured against."""
    units: dict[str, int] = {}
    for line in order.lineItems:
        if line.variant.sku:
            units[line.variant.sku] = units.get(line.variant.sku, 0) + line.quantity
    return units


def _name(names: dict[str, str]) -> str:
    return names.get("en") or next(iter(names.values()), "")


async def _synced(
    store: StoreDeps,
    order_policy: OrderSyncPolicy,
    order: Order,
    row: OutboxRow,
    *,
    known: SyncedOrder | None,
    digest: str,
) -> None:
    now = store.clock.now()
    lag = max((now - order.lastModifiedAt).total_seconds(), 0.0)
    limit = order_policy.lag_limit_seconds
    async with store.unit_of_work() as uow:
        uow.orders.upsert(
            SyncedOrder(
                ct_order_id=order.id,
                order_number=order.orderNumber,
                ct_version=order.version,
                status=SyncStatus.SYNCED,
                last_synced_at=now,
                lag_seconds=lag,
                skus=ordered_skus(order),
                products={line.variant.sku: _name(line.name) for line in order.lineItems if line.variant.sku},
                payload_digest=digest,
                resyncs_skipped=known.resyncs_skipped if known else 0,
            )
        )
        # The anchoring of its returns plans on this copy instead of looking the order up again.
        uow.orders.keep_snapshot(order)
        if lag > limit:
            raise_exception(
                uow,
                store,
                "order_sync_lagging",
                dedupe_key=f"order_sync_lagging:{order.id}",
                severity=Severity.WARNING,
                order_ref=order.orderNumber or order.id,
                evidence={
                    "order_id": order.id,
                    "order_number": order.orderNumber,
                    "version": order.version,
                    "last_modified_at": order.lastModifiedAt.isoformat(),
                    "lag_seconds": round(lag, 3),
                    "limit_seconds": limit,
                },
            )
        await _wake_held_returns(uow, store, order)
        complete_in(uow, row)
        await uow.commit()


async def _recorded_unchanged(store: StoreDeps, order: Order, known: SyncedOrder, row: OutboxRow) -> None:
    """This version as synced, with the time and lag of the sync that sent the same sales order."""
    async with store.unit_of_work() as uow:
        # Lines unchanged (the same sales order), so `skus` stays empty: the recorded lines are kept.
        skipped = known.resyncs_skipped + 1
        uow.orders.upsert(msgspec.structs.replace(known, ct_version=order.version, resyncs_skipped=skipped))
        uow.orders.keep_snapshot(order)  # the newer copy plans the next write on the current version
        await _wake_held_returns(uow, store, order)
        complete_in(uow, row)
        await uow.commit()


async def _wake_held_returns(uow: UnitOfWork, store: StoreDeps, order: Order) -> None:
    """Returns booked before their order reached ReBound: anchor them now instead of at the next sweep."""
    refs = [ref for ref in (order.orderNumber, order.id) if ref]
    seen: set[str] = set()
    for ref in refs:
        for record in await uow.returns.by_order(ref):
            if record.state != Position.AWAITING_ORDER or record.return_id in seen:
                continue
            seen.add(record.return_id)
            command = AnchorReturn(return_id=record.return_id, client_order_id=record.client_order_id or ref)
            lock = keys.order_lock(command.client_order_id)
            uow.outbox.add(outbox_message(command, keys.anchor_key(record.return_id), lock_key=lock))
            note(
                uow,
                store,
                record.return_id,
                source="backflow",
                action="order synced: anchoring woken",
                outcome="ok",
                detail={"order_id": order.id},
                order_ref=order.id,
            )
