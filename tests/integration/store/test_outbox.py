"""The outbox on a real SQLite file: claims, leases, retries with backoff, dead rows, history."""

from __future__ import annotations

from datetime import timedelta

import anyio
import anyio.lowlevel
import pytest

from backflow.ports.outbox import OutboxStatus, RetryPolicy
from tests.integration.store.support import FakeClock, OpenStore, message

pytestmark = pytest.mark.anyio


async def test_concurrent_claimers_never_claim_the_same_row_twice(open_store: OpenStore) -> None:
    with anyio.fail_after(30):
        async with open_store(FakeClock()) as store:
            for n in range(600):
                await store.outbox.append(message(f"k{n}"))
            claimed: dict[str, list[str]] = {}

            async def claimer(name: str) -> None:
                while rows := await store.outbox.claim(name, limit=7, lease_seconds=60):
                    claimed.setdefault(name, []).extend(row.id for row in rows)
                    await anyio.lowlevel.checkpoint()

            async with anyio.create_task_group() as tg:
                for n in range(16):
                    tg.start_soon(claimer, f"worker-{n}")
            every = [row_id for ids in claimed.values() for row_id in ids]
            assert len(every) == 600
            assert len(set(every)) == 600
            assert len(claimed) > 1, "the claims were spread over several workers"


async def test_claim_takes_the_oldest_due_rows_and_filters_by_kind(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            first = await store.outbox.append(message("a", kind="refund"))
            await store.outbox.append(message("b", kind="restock"))
            third = await store.outbox.append(message("c", kind="refund"))
            rows = await store.outbox.claim("w", limit=10, lease_seconds=30, kinds=["refund"])
            assert [row.id for row in rows] == [first.id, third.id]
            assert all(row.status is OutboxStatus.LEASED and row.attempts == 1 for row in rows)
            assert rows[0].trace_ctx == {"traceparent": "a"}
            assert rows[0].lease_until == clock.now() + timedelta(seconds=30)
            assert [r.kind for r in await store.outbox.claim("w", limit=10, lease_seconds=30)] == ["restock"]


async def test_an_expired_lease_is_claimed_again_and_the_old_owner_cannot_complete(
    open_store: OpenStore,
) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            row_id = (await store.outbox.append(message("a"))).id
            assert [r.id for r in await store.outbox.claim("old", limit=5, lease_seconds=30)] == [row_id]
            clock.advance(29)
            assert await store.outbox.claim("new", limit=5, lease_seconds=30) == []
            assert await store.outbox.renew(row_id, "old", 30)
            clock.advance(29)
            assert await store.outbox.claim("new", limit=5, lease_seconds=30) == [], "renewed lease holds"
            clock.advance(2)
            again = await store.outbox.claim("new", limit=5, lease_seconds=30)
            assert [(r.id, r.attempts, r.lease_owner) for r in again] == [(row_id, 2, "new")]
            assert not await store.outbox.complete(row_id, "old")
            assert not await store.outbox.renew(row_id, "old", 30)
            assert await store.outbox.fail(row_id, "old", "late") is None
            assert await store.outbox.complete(row_id, "new")
            assert not await store.outbox.complete(row_id, "new"), "completing twice changes nothing"
            history = await store.outbox.history(row_id)
            assert [(e.from_status, e.to_status, e.actor) for e in history] == [
                (None, OutboxStatus.PENDING, None),
                (OutboxStatus.PENDING, OutboxStatus.LEASED, "old"),
                (OutboxStatus.LEASED, OutboxStatus.LEASED, "new"),
                (OutboxStatus.LEASED, OutboxStatus.DONE, "new"),
            ]
            assert "lease of old lapsed" in (history[2].detail or "")


async def test_failures_follow_the_backoff_schedule_then_the_row_is_dead(open_store: OpenStore) -> None:
    clock = FakeClock()
    draws = iter([0.5, 0.25, 1.0 - 1e-9])
    policy = RetryPolicy(base_seconds=10.0, cap_seconds=30.0, max_attempts=4)
    with anyio.fail_after(10):
        store_cm = open_store(clock, policy=policy, random01=lambda: next(draws))
        async with store_cm as store:
            row_id = (await store.outbox.append(message("a"))).id
            # ceilings 10, 20, 30 (capped from 40); delays = ceiling * draw
            for expected_delay in (5.0, 5.0, 30.0 - 3e-8):
                (row,) = await store.outbox.claim("w", limit=1, lease_seconds=60)
                assert await store.outbox.fail(row.id, "w", "boom") is OutboxStatus.PENDING
                clock.advance(expected_delay - 0.001)
                assert await store.outbox.claim("w", limit=1, lease_seconds=60) == [], "not due yet"
                clock.advance(0.002)
            (row,) = await store.outbox.claim("w", limit=1, lease_seconds=60)
            assert row.attempts == 4
            assert await store.outbox.fail(row.id, "w", "still broken") is OutboxStatus.DEAD
            clock.advance(10_000)
            assert await store.outbox.claim("w", limit=1, lease_seconds=60) == [], "dead rows stay put"
            (dead,) = await store.monitor.dead_rows()
            assert (dead.id, dead.last_error, dead.status) == (row_id, "still broken", OutboxStatus.DEAD)
            statuses = [e.to_status for e in await store.outbox.history(row_id)]
            assert statuses.count(OutboxStatus.LEASED) == 4
            assert statuses[-1] is OutboxStatus.DEAD


async def test_requeue_brings_a_dead_row_back_and_resolve_closes_it(open_store: OpenStore) -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=1)
    with anyio.fail_after(10):
        async with open_store(clock, policy=policy) as store:
            first = (await store.outbox.append(message("a"))).id
            second = (await store.outbox.append(message("b"))).id
            for row in await store.outbox.claim("w", limit=2, lease_seconds=60):
                assert await store.outbox.fail(row.id, "w", "no") is OutboxStatus.DEAD
            assert not await store.outbox.requeue(first + "x", "ops")
            assert await store.outbox.requeue(first, "ops")
            assert await store.outbox.resolve(second, "ops", "handled by hand")
            assert not await store.outbox.requeue(second, "ops"), "a resolved row is no longer dead"
            (row,) = await store.outbox.claim("w", limit=5, lease_seconds=60)
            assert (row.id, row.attempts) == (first, 1)
            assert (await store.outbox.history(second))[-1].detail == "resolved: handled by hand"


async def test_idempotency_key_is_unique_among_live_rows_only(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            first = await store.outbox.append(message("same"))
            again = await store.outbox.append(message("same"))
            assert (again.id, again.duplicate, first.duplicate) == (first.id, True, False)
            (row,) = await store.outbox.claim("w", limit=5, lease_seconds=60)
            assert (await store.outbox.append(message("same"))).duplicate, "a leased row is live"
            assert await store.outbox.complete(row.id, "w")
            after = await store.outbox.append(message("same"))
            assert not after.duplicate and after.id != first.id, "a done row frees the key"


async def test_requeue_refuses_when_a_newer_live_row_has_the_key(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        policy = RetryPolicy(max_attempts=1)
        async with open_store(FakeClock(), policy=policy) as store:
            dead = (await store.outbox.append(message("k"))).id
            (row,) = await store.outbox.claim("w", limit=1, lease_seconds=60)
            await store.outbox.fail(row.id, "w", "no")
            await store.outbox.append(message("k"))
            assert not await store.outbox.requeue(dead, "ops")
