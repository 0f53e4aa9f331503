"""The inbox keeps every event verbatim, once per (source, source id), and tracks its processing."""

from __future__ import annotations

import anyio
import pytest

from backflow.ports.errors import ConflictError
from backflow.ports.inbox import InboundEvent, InboxStatus, StoreOutcome
from backflow.ports.synced_orders import SyncedOrder, SyncStatus
from tests.integration.store.support import START, FakeClock, OpenStore, new_case

pytestmark = pytest.mark.anyio
CASE = new_case("R1")


def event(source_id: str, source: str = "rebound", body: bytes = b'{"a": 1}') -> InboundEvent:
    return InboundEvent(
        source=source,
        source_id=source_id,
        kind="return_order.items_graded",
        received_at=START,
        body=body,
        headers={"x-rebound-event-id": source_id},
        trace_ctx={"traceparent": "00-abc-def-01"},
    )


async def test_a_duplicate_is_reported_not_raised_and_the_first_copy_stays(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            raw = b'{"id": "e1", "weird": "\\u00e9 \xff bytes"}'
            assert await store.inbox.store(event("e1", body=raw)) is StoreOutcome.STORED
            assert await store.inbox.store(event("e1", body=b"other")) is StoreOutcome.DUPLICATE
            assert await store.inbox.store(event("e1", source="commercetools")) is StoreOutcome.STORED
            stored = await store.inbox.get("rebound", "e1")
            assert stored is not None
            assert stored.event == event("e1", body=raw)
            assert stored.status is InboxStatus.PENDING


async def test_concurrent_duplicates_store_exactly_one(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            outcomes: list[StoreOutcome] = []

            async def deliver() -> None:
                outcomes.append(await store.inbox.store(event("same")))

            async with anyio.create_task_group() as tg:
                for _ in range(20):
                    tg.start_soon(deliver)
            assert sorted(outcomes) == [StoreOutcome.DUPLICATE] * 19 + [StoreOutcome.STORED]


async def test_pending_events_in_order_then_processed_or_failed(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            for n in range(4):
                await store.inbox.store(event(f"e{n}"))
            pending = await store.inbox.pending(limit=10)
            assert [p.event.source_id for p in pending] == ["e0", "e1", "e2", "e3"]
            assert await store.inbox.mark_processed(pending[0].seq)
            assert not await store.inbox.mark_processed(pending[0].seq)
            assert await store.inbox.mark_failed(pending[1].seq, "transient", final=False)
            assert await store.inbox.mark_failed(pending[2].seq, "bad body", final=True)
            left = await store.inbox.pending(limit=10)
            assert [(p.event.source_id, p.attempts, p.last_error) for p in left] == [
                ("e1", 1, "transient"),
                ("e3", 0, None),
            ]
            later = await store.inbox.pending(limit=10, after_seq=left[0].seq)
            assert [p.event.source_id for p in later] == ["e3"]
            failed = await store.inbox.get("rebound", "e2")
            processed = await store.inbox.get("rebound", "e0")
            assert failed is not None and failed.status is InboxStatus.FAILED
            assert processed is not None and processed.processed_at == clock.now()


async def test_an_event_marked_in_a_unit_of_work_is_processed_with_its_writes(open_store: OpenStore) -> None:
    clock = FakeClock()
    synced = SyncedOrder(ct_order_id="o-1", order_number="1001", ct_version=3, status=SyncStatus.SYNCED)
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            for n in range(3):
                await store.inbox.store(event(f"e{n}"))
            first, second, third = [p.seq for p in await store.inbox.pending(limit=10)]
            assert await store.inbox.claim(first, "daemon", 30)
            async with store.unit_of_work() as uow:
                uow.orders.upsert(synced)
                uow.returns.add(CASE)
                uow.inbox.processed(first)
                assert [p.seq for p in await store.inbox.pending(limit=10)] == [first, second, third]
                await uow.commit()
            processed = await store.inbox.get("rebound", "e0")
            assert processed is not None and processed.status is InboxStatus.PROCESSED
            assert (processed.attempts, processed.processed_at) == (1, clock.now())
            assert await store.unit_of_work().orders.get("o-1") is not None
            assert not await store.inbox.mark_processed(first), "marked once"

            # Not committed (the handler raised): the event stays pending for its retry.
            async with store.unit_of_work() as uow:
                uow.inbox.processed(second)
            # A unit that loses to a concurrent writer applies nothing, its mark included.
            async with store.unit_of_work() as uow:
                uow.returns.add(CASE)  # R1 is stored already: a concurrent unit added it first
                uow.inbox.processed(third)
                with pytest.raises(ConflictError):
                    await uow.commit()
            assert [p.seq for p in await store.inbox.pending(limit=10)] == [second, third]
