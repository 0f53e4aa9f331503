"""Keyed serialisation in the outbox, on both stores: one leased row per lock key at a time."""

from __future__ import annotations

from collections import Counter

import anyio
import anyio.lowlevel
import pytest

from backflow.ports.outbox import ClaimRequest, OutboxStatus, RetryPolicy
from tests.integration.store.support import FakeClock, OpenStore, message

pytestmark = pytest.mark.anyio


async def test_concurrent_claimers_never_hold_two_rows_of_one_key(open_store: OpenStore) -> None:
    with anyio.fail_after(60):
        async with open_store(FakeClock()) as store:
            for n in range(120):
                await store.outbox.append(message(f"k{n}", lock_key=f"order:{n % 6}"))
            held: dict[str, str] = {}  # lock key → row id, while leased
            finished: list[str] = []

            async def claimer(name: str) -> None:
                while len(finished) < 120:
                    rows = await store.outbox.claim(name, limit=4, lease_seconds=600)
                    for row in rows:
                        assert row.lock_key is not None
                        assert row.lock_key not in held, f"{row.lock_key} handed out twice at once"
                        held[row.lock_key] = row.id
                    await anyio.lowlevel.checkpoint()
                    for row in rows:
                        assert row.lock_key is not None
                        del held[row.lock_key]
                        assert await store.outbox.complete(row.id, name)
                        finished.append(row.id)
                    await anyio.lowlevel.checkpoint()

            async with anyio.create_task_group() as tg:
                for n in range(8):
                    tg.start_soon(claimer, f"worker-{n}")
            assert len(set(finished)) == 120


async def test_rows_with_different_keys_are_claimed_together(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            a1 = await store.outbox.append(message("a1", lock_key="order:a"))
            await store.outbox.append(message("a2", lock_key="order:a"))
            b1 = await store.outbox.append(message("b1", lock_key="order:b"))
            free = await store.outbox.append(message("n1"))
            rows = await store.outbox.claim("w", limit=10, lease_seconds=30)
            assert sorted(row.id for row in rows) == sorted([a1.id, b1.id, free.id])
            assert Counter(row.lock_key for row in rows) == Counter(["order:a", "order:b", None])


async def test_rows_without_a_key_are_not_serialised(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            for n in range(5):
                await store.outbox.append(message(f"old{n}"))
            assert len(await store.outbox.claim("w", limit=10, lease_seconds=30)) == 5


async def test_a_busy_key_waits_and_is_claimed_after_the_first_completes(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            first = await store.outbox.append(message("a1", lock_key="order:a"))
            second = await store.outbox.append(message("a2", lock_key="order:a"))
            other = await store.outbox.append(message("b1", lock_key="order:b"))
            assert [r.id for r in await store.outbox.claim("w1", limit=1, lease_seconds=30)] == [first.id]
            # The busy key does not block the rows behind it, even with a limit of one.
            assert [r.id for r in await store.outbox.claim("w2", limit=1, lease_seconds=30)] == [other.id]
            assert await store.outbox.claim("w2", limit=5, lease_seconds=30) == []
            assert await store.outbox.complete(first.id, "w1")
            assert [r.id for r in await store.outbox.claim("w2", limit=5, lease_seconds=30)] == [second.id]


async def test_a_busy_key_is_freed_by_a_failure_and_the_retry_keeps_its_turn(open_store: OpenStore) -> None:
    clock = FakeClock()
    policy = RetryPolicy(base_seconds=10.0, cap_seconds=10.0, max_attempts=2)
    with anyio.fail_after(10):
        async with open_store(clock, policy=policy, random01=lambda: 1.0) as store:
            first = await store.outbox.append(message("a1", lock_key="order:a"))
            second = await store.outbox.append(message("a2", lock_key="order:a"))
            assert [r.id for r in await store.outbox.claim("w", limit=5, lease_seconds=30)] == [first.id]
            assert await store.outbox.claim("w", limit=5, lease_seconds=30) == []
            assert await store.outbox.fail(first.id, "w", "boom") is OutboxStatus.PENDING
            # The failed row backs off, so the key is free for the next row of the order.
            assert [r.id for r in await store.outbox.claim("w", limit=5, lease_seconds=30)] == [second.id]
            assert await store.outbox.complete(second.id, "w")
            clock.advance(11)
            retried = await store.outbox.claim("w", limit=5, lease_seconds=30)
            assert [(r.id, r.attempts) for r in retried] == [(first.id, 2)]
            assert await store.outbox.fail(first.id, "w", "boom again") is OutboxStatus.DEAD
            third = await store.outbox.append(message("a3", lock_key="order:a"))
            assert [r.id for r in await store.outbox.claim("w", limit=5, lease_seconds=30)] == [third.id]


async def test_an_expired_lease_frees_its_key(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            first = await store.outbox.append(message("a1", lock_key="order:a"))
            second = await store.outbox.append(message("a2", lock_key="order:a"))
            assert [
                r.id for r in await store.outbox.claim("w1", limit=5, lease_seconds=30, kinds=["x"])
            ] == []
            assert [r.id for r in await store.outbox.claim("w1", limit=5, lease_seconds=30)] == [first.id]
            clock.advance(31)
            # The lapsed row comes first again (it is the older job of the key), and alone.
            again = await store.outbox.claim("w2", limit=5, lease_seconds=30)
            assert [(r.id, r.attempts) for r in again] == [(first.id, 2)]
            clock.advance(31)
            # A claimer that does not run the lapsed row's kind still gets the key once it lapsed.
            other_kind = await store.outbox.append(message("a3", kind="refund", lock_key="order:a"))
            got = await store.outbox.claim("w3", limit=5, lease_seconds=30, kinds=["refund"])
            assert [r.id for r in got] == [other_kind.id]
            # ... and the lapsed row now waits for that lease, like any row of a busy key.
            assert await store.outbox.claim("w4", limit=5, lease_seconds=30, kinds=["restock"]) == []
            assert await store.outbox.complete(other_kind.id, "w3")
            ids = [r.id for r in await store.outbox.claim("w4", limit=5, lease_seconds=30)]
            assert ids == [first.id]
            assert second.id not in ids


async def test_a_claim_batch_claims_for_each_request_and_keeps_one_row_per_key(open_store: OpenStore) -> None:
    """The relay's round in one transaction: each request gets its kinds up to its limit, and a key one
    request leased is passed over by the next (the earlier claim's lease is seen)."""
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            refund = await store.outbox.append(message("r1", kind="refund", lock_key="order:a"))
            await store.outbox.append(message("r2", kind="refund"))
            restock_same_key = await store.outbox.append(message("s1", kind="restock", lock_key="order:a"))
            restock_free = await store.outbox.append(message("s2", kind="restock", lock_key="order:b"))
            batch = [
                ClaimRequest(owner="refunds@t", limit=1, kinds=("refund",)),
                ClaimRequest(owner="restock@t", limit=5, kinds=("restock",)),
                ClaimRequest(owner="notify@t", limit=5, kinds=("notify",)),
            ]
            refunds, restocks, nothing = await store.outbox.claim_batch(batch, lease_seconds=30)
            assert [row.id for row in refunds] == [refund.id]
            assert refunds[0].lease_owner == "refunds@t"
            assert [row.id for row in restocks] == [restock_free.id]  # order:a is leased by the refund
            assert restocks[0].lease_owner == "restock@t"
            assert nothing == []
            assert await store.outbox.claim_batch([], lease_seconds=30) == []
            assert await store.outbox.complete(refund.id, "refunds@t")
            (again,) = await store.outbox.claim_batch(
                [ClaimRequest(owner="restock@t", limit=5, kinds=("restock",))], lease_seconds=30
            )
            assert [row.id for row in again] == [restock_same_key.id]
