"""What only a shared server has: several stores (replicas) on one database, rows locked by another
transaction, and wake-ups through LISTEN/NOTIFY."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack

import anyio
import anyio.lowlevel
import pytest
from psycopg.rows import dict_row

from backflow.adapters.postgresql.database import Connection
from backflow.adapters.postgresql.notifications import OUTBOX_CHANNEL
from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.inbox import InboundEvent
from tests.integration.store.support import START, FakeClock, message

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]


def _store(dsn: str, clock: FakeClock) -> AbstractAsyncContextManager[PostgresStore]:
    return PostgresStore.open(dsn, clock=clock, ids=Uuid7Generator(), max_connections=4)


async def test_three_replicas_claiming_together_never_share_a_row(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(60):
        async with AsyncExitStack() as stack:
            replicas = [await stack.enter_async_context(_store(postgres_dsn, clock)) for _ in range(3)]
            for n in range(300):
                await replicas[n % 3].outbox.append(message(f"k{n}"))
            claimed: dict[str, list[str]] = {}

            async def claimer(store: PostgresStore, name: str) -> None:
                while rows := await store.outbox.claim(name, limit=5, lease_seconds=60):
                    claimed.setdefault(name, []).extend(row.id for row in rows)
                    await anyio.lowlevel.checkpoint()

            async with anyio.create_task_group() as tg:
                for r, store in enumerate(replicas):
                    for w in range(4):
                        tg.start_soon(claimer, store, f"replica-{r}/worker-{w}")
            every = [row_id for ids in claimed.values() for row_id in ids]
            assert len(every) == 300 and len(set(every)) == 300
            assert len({name.split("/")[0] for name in claimed}) > 1, "more than one replica got work"


async def test_a_row_locked_elsewhere_is_skipped_not_waited_for(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with _store(postgres_dsn, clock) as store:
            first = (await store.outbox.append(message("a"))).id
            second = (await store.outbox.append(message("b"))).id
            async with await Connection.connect(postgres_dsn, row_factory=dict_row) as other:
                # Another replica's claim in flight: it holds `first` locked in an open transaction.
                await other.execute("SELECT id FROM outbox WHERE id = %(id)s FOR UPDATE", {"id": first})
                with anyio.fail_after(5):
                    rows = await store.outbox.claim("w", limit=5, lease_seconds=30)
                assert [row.id for row in rows] == [second]
                await other.rollback()
            assert [row.id for row in await store.outbox.claim("w", limit=5, lease_seconds=30)] == [first]


async def test_committed_work_wakes_a_listener_on_another_connection(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with _store(postgres_dsn, clock) as store, store.wakeups() as heard:
            channels: AsyncIterator[str] = heard
            await store.outbox.append(message("a"))
            assert await anext(channels) == OUTBOX_CHANNEL
            async with store.unit_of_work() as uow:
                uow.outbox.add(message("b"))
                uow.outbox.add(message("c"))
                await uow.commit()
            assert await anext(channels) == OUTBOX_CHANNEL, "one wake-up per committed transaction"
            async with store.unit_of_work() as uow:
                uow.outbox.add(message("never"))  # not committed: nobody is woken
            event = InboundEvent(source="rebound", source_id="e1", kind="k", received_at=START, body=b"{}")
            await store.inbox.store(event)
            assert await anext(channels) == "backflow_inbox"


async def test_an_inbound_event_is_claimed_by_one_replica_until_marked_or_lapsed(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with _store(postgres_dsn, clock) as a, _store(postgres_dsn, clock) as b:
            for n in (1, 2):
                event = InboundEvent(
                    source="rebound", source_id=f"e{n}", kind="k", received_at=START, body=b"{}"
                )
                await a.inbox.store(event)
            first, second = [stored.seq for stored in await a.inbox.pending(limit=10)]
            assert await a.inbox.claim(first, "replica-a", 30)
            assert not await b.inbox.claim(first, "replica-b", 30), "a live claim is another's"
            assert await a.inbox.claim(first, "replica-a", 30), "the holder may renew it"
            assert await b.inbox.claim(second, "replica-b", 30), "claims are per event"

            await a.inbox.mark_failed(first, "upstream down", final=False)
            assert await b.inbox.claim(first, "replica-b", 30), (
                "a failed attempt ends the claim: anyone retries"
            )
            await b.inbox.mark_processed(first)
            assert not await a.inbox.claim(first, "replica-a", 30), "a processed event is never claimed"

            clock.advance(31)  # replica-b died holding `second`: its claim lapses
            assert await a.inbox.claim(second, "replica-a", 30)


async def test_a_page_of_events_is_claimed_at_once_with_the_same_rules(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with _store(postgres_dsn, clock) as a, _store(postgres_dsn, clock) as b:
            for n in range(1, 6):
                event = InboundEvent(
                    source="rebound", source_id=f"e{n}", kind="k", received_at=START, body=b"{}"
                )
                await a.inbox.store(event)
            seqs = [stored.seq for stored in await a.inbox.pending(limit=10)]
            assert await a.inbox.claim_many(seqs[:3], "replica-a", 30) == set(seqs[:3])
            assert await b.inbox.claim_many(seqs[1:], "replica-b", 30) == set(seqs[3:]), (
                "a live claim is another's, the rest of the page is taken"
            )
            assert await a.inbox.claim_many(seqs[:2], "replica-a", 30) == set(seqs[:2]), "renewed"
            await a.inbox.mark_processed(seqs[0])
            assert await b.inbox.claim_many([], "replica-b", 30) == set()
            clock.advance(31)  # every claim lapses; a processed event is never claimed again
            assert await b.inbox.claim_many(seqs, "replica-b", 30) == set(seqs[1:])
            assert not await a.inbox.claim(seqs[1], "replica-a", 30), "claim and claim_many agree"


async def test_replicas_racing_for_each_event_never_both_get_one(postgres_dsn: str) -> None:
    clock, wins = FakeClock(), []
    with anyio.fail_after(60):
        async with AsyncExitStack() as stack:
            replicas = [await stack.enter_async_context(_store(postgres_dsn, clock)) for _ in range(3)]
            for n in range(20):
                event = InboundEvent(
                    source="rebound", source_id=f"e{n}", kind="k", received_at=START, body=b"{}"
                )
                await replicas[0].inbox.store(event)
            events = await replicas[0].inbox.pending(limit=100)

            async def race(store: PostgresStore, holder: str) -> None:
                for stored in events:
                    if await store.inbox.claim(stored.seq, holder, 30):
                        wins.append(stored.seq)

            async with anyio.create_task_group() as tg:
                for r, store in enumerate(replicas):
                    tg.start_soon(race, store, f"replica-{r}")
            assert sorted(wins) == sorted(stored.seq for stored in events), "each event won exactly once"
