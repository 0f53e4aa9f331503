"""The order as last synced, on both engines: found by order number or id, decoded as it was kept,
never replaced by an older version; copies of old orders found by creation time and deleted in batches."""

from __future__ import annotations

from datetime import datetime, timedelta

import anyio
import msgspec
import pytest

from backflow.domain.order import ORDER_DECODER, Order
from tests.integration.store.support import START, FakeClock, OpenStore

pytestmark = pytest.mark.anyio


def _order(version: int, quantity: int) -> Order:
    line = {
        "id": "line-1",
        "productId": "p-1",
        "name": {"en": "Tee"},
        "variant": {"sku": "TEE-M"},
        "price": {"value": {"currencyCode": "EUR", "centAmount": 2500}},
        "quantity": quantity,
        "totalPrice": {"currencyCode": "EUR", "centAmount": 2500 * quantity},
    }
    return ORDER_DECODER.decode(
        msgspec.json.encode(
            {
                "id": "o1",
                "version": version,
                "orderNumber": "1001",
                "totalPrice": {"currencyCode": "EUR", "centAmount": 2500 * quantity},
                "createdAt": "2026-12-01T10:00:00Z",
                "lastModifiedAt": "2026-12-01T10:00:00Z",
                "lineItems": [line],
            }
        )
    )


async def test_the_newest_synced_copy_is_kept_and_found_by_number_or_id(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            assert await store.unit_of_work().orders.snapshot("1001") is None
            async with store.unit_of_work() as uow:
                uow.orders.keep_snapshot(_order(3, quantity=2))
                await uow.commit()
            async with store.unit_of_work() as uow:
                uow.orders.keep_snapshot(_order(2, quantity=5))  # older: a late sync does not go back
                await uow.commit()
            reads = store.unit_of_work()
            assert await reads.orders.snapshot("1001") == _order(3, quantity=2)
            assert await reads.orders.snapshot("o1") == _order(3, quantity=2)
            assert await reads.orders.snapshot("other") is None
            async with store.unit_of_work() as uow:
                uow.orders.keep_snapshot(_order(4, quantity=1))  # an edit synced later replaces it
                await uow.commit()
            kept = await store.unit_of_work().orders.snapshot("1001")
            async with store.unit_of_work() as uow:
                uow.orders.forget_snapshot("o1")  # a write of ours moved the order past it
                await uow.commit()
            assert await store.unit_of_work().orders.snapshot("1001") is None
        assert kept is not None and (kept.version, kept.lineItems[0].quantity) == (4, 1)


def _created(order_id: str, created_at: datetime) -> Order:
    body = {
        "id": order_id,
        "version": 1,
        "orderNumber": f"n-{order_id}",
        "totalPrice": {"currencyCode": "EUR", "centAmount": 0},
        "createdAt": created_at.isoformat(),
        "lastModifiedAt": created_at.isoformat(),
        "lineItems": [],
    }
    return ORDER_DECODER.decode(msgspec.json.encode(body))


async def test_copies_of_orders_created_before_the_cutoff_are_pruned_in_batches(
    open_store: OpenStore,
) -> None:
    cutoff = START - timedelta(days=30)
    old = [_created(f"old-{i}", cutoff - timedelta(days=5 - i)) for i in range(5)]  # oldest first
    recent = [_created("recent-0", cutoff + timedelta(seconds=1)), _created("recent-1", START)]
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            async with store.unit_of_work() as uow:
                for order in [*reversed(old), *recent]:
                    uow.orders.keep_snapshot(order)
                await uow.commit()
            batches = []
            while ids := await store.unit_of_work().orders.snapshots_created_before(cutoff, limit=2):
                batches.append(ids)
                async with store.unit_of_work() as uow:
                    uow.orders.forget_snapshots(ids)
                    await uow.commit()
            reads = store.unit_of_work()
            kept = {o.id: await reads.orders.snapshot(o.id) for o in [*old, *recent]}
    assert batches == [["old-0", "old-1"], ["old-2", "old-3"], ["old-4"]]  # oldest first, 2 at a time
    assert kept == {**{o.id: None for o in old}, **{o.id: o for o in recent}}
