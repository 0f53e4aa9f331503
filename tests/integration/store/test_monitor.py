"""The monitor's read-only views: depth, oldest due age, dead rows, throughput."""

from __future__ import annotations

import anyio
import pytest

from backflow.ports.monitor import QueueDepth
from backflow.ports.outbox import OutboxStatus, RetryPolicy
from tests.integration.store.support import FakeClock, OpenStore, message

pytestmark = pytest.mark.anyio


async def test_depth_age_dead_rows_and_throughput(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock, policy=RetryPolicy(max_attempts=1)) as store:
            assert await store.monitor.oldest_due_age() is None
            for n in range(3):
                await store.outbox.append(message(f"r{n}", kind="refund"))
            await store.outbox.append(message("s0", kind="restock"))
            clock.advance(40)
            assert await store.monitor.oldest_due_age() == pytest.approx(40)
            rows = await store.outbox.claim("w", limit=3, lease_seconds=30, kinds=["refund"])
            await store.outbox.complete(rows[0].id, "w")
            await store.outbox.complete(rows[1].id, "w")
            await store.outbox.fail(rows[2].id, "w", "payment gone")
            assert await store.monitor.queue_depth() == [
                QueueDepth(kind="refund", status=OutboxStatus.DEAD, count=1),
                QueueDepth(kind="restock", status=OutboxStatus.PENDING, count=1),
            ]
            (dead,) = await store.monitor.dead_rows()
            assert (dead.id, dead.payload, dead.last_error) == (rows[2].id, b"{}", "payment gone")
            assert await store.monitor.throughput(window_seconds=10) == 2
            clock.advance(11)
            assert await store.monitor.throughput(window_seconds=10) == 0
            assert [e.to_status for e in await store.monitor.history(dead.id)][-1] is OutboxStatus.DEAD
