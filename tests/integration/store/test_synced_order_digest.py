"""Order sync's record of what ReBound has: the digest of the sales order last sent and the newer
versions recorded without a call, kept by both stores and summed for the overview and the metrics."""

from __future__ import annotations

from datetime import timedelta

import anyio
import msgspec
import pytest

from backflow.ports.synced_orders import SyncedOrder, SyncStatus
from tests.integration.store.support import START, FakeClock, OpenStore

pytestmark = pytest.mark.anyio


def _sent(order_id: str, *, version: int, digest: str, lag: float) -> SyncedOrder:
    return SyncedOrder(
        ct_order_id=order_id,
        order_number=order_id.upper(),
        ct_version=version,
        status=SyncStatus.SYNCED,
        last_synced_at=START,
        lag_seconds=lag,
        skus={"SOCK": 2},
        products={"SOCK": "Sock"},
        payload_digest=digest,
    )


async def test_the_digest_and_the_skipped_resyncs_are_kept_and_summed(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            empty = await store.figures.figures(synced_after=START - timedelta(days=1))
            assert empty.resyncs_skipped == 0 and (await store.admin.sync_lag()).resyncs_skipped == 0
            async with store.unit_of_work() as uow:
                uow.orders.upsert(_sent("o1", version=3, digest="d-1", lag=0.4))
                uow.orders.upsert(_sent("o2", version=1, digest="d-2", lag=0.2))
                await uow.commit()
            known = await store.unit_of_work().orders.get("o1")
            assert known is not None and (known.payload_digest, known.resyncs_skipped) == ("d-1", 0)
            # A newer version with the same sales order: recorded on the row as read, lag untouched.
            async with store.unit_of_work() as uow:
                uow.orders.upsert(msgspec.structs.replace(known, ct_version=5, resyncs_skipped=1))
                await uow.commit()
            async with store.unit_of_work() as uow:
                # An older version never overwrites the newer one, its digest and count included.
                uow.orders.upsert(_sent("o1", version=4, digest="d-old", lag=9.0))
                await uow.commit()
            after = await store.unit_of_work().orders.get("o1")
            assert after is not None
            assert (after.ct_version, after.payload_digest, after.resyncs_skipped) == (5, "d-1", 1)
            assert (after.lag_seconds, after.last_synced_at) == (0.4, START)
            [ordered] = await store.reports.ordered_quantities()
            assert (ordered.sku, ordered.quantity) == ("SOCK", 4), "the lines of both orders kept"
            async with store.unit_of_work() as uow:
                uow.orders.upsert(msgspec.structs.replace(after, ct_version=6, resyncs_skipped=2))
                await uow.commit()
            figures = await store.figures.figures(synced_after=START - timedelta(days=1))
            assert figures.resyncs_skipped == 2
            stats = await store.admin.sync_lag()
            assert (stats.synced, stats.resyncs_skipped, stats.lag_max_seconds) == (2, 2, 0.4)
