"""The order as last synced, on both engines: found by order number or id, decoded as it was kept,
never replaced by an older version."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from backflow.domain.order import ORDER_DECODER, Order
from tests.integration.store.support import FakeClock, OpenStore

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
