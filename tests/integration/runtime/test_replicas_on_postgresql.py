"""Two daemons (replicas) on one PostgreSQL database: work one commits wakes the other at once
(LISTEN/NOTIFY), a scheduled job runs on one replica per tick, each inbound event is processed once.
In the wake-up test both poll only once an hour, so the other replica can only have learned of the
row from the notification."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import msgspec
import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.core.declarations import ActorSpec, JobSpec
from backflow.app.core.settings import RuntimeSettings
from backflow.ports.inbox import InboundEvent, StoredInboundEvent
from backflow.ports.outbox import OutboxRow
from tests.integration.runtime.conftest import DaemonFactory, eventually, registry
from tests.integration.runtime.test_outbox_actors import message
from tests.integration.store.support import START

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]

HOURLY_POLL = RuntimeSettings(poll_seconds=3600, shutdown_grace_seconds=2)


async def test_a_row_appended_on_one_replica_is_claimed_by_another_without_its_poll(
    daemon: DaemonFactory, postgres_dsn: str
) -> None:
    claimed_by_b: list[str] = []
    done = anyio.Event()

    async def work(row: OutboxRow) -> None:
        claimed_by_b.append(row.idempotency_key)
        done.set()

    # A runs no actor for "work": only B can claim the row, and B's relay sleeps for an hour.
    worker = registry(outbox_handlers={"work": work}, actors=[ActorSpec("worker", ("work",))])
    with anyio.fail_after(30):
        async with (
            daemon(registry(), db_url=postgres_dsn, runtime=HOURLY_POLL) as a,
            daemon(worker, db_url=postgres_dsn, runtime=HOURLY_POLL) as b,
        ):
            assert "work-listener" in b.daemon.runtime.health.actors
            await anyio.sleep(0.3)  # B's relay has made its start-up claim and is waiting out the hour
            async with a.daemon.wiring.store.unit_of_work() as uow:
                uow.outbox.add(message(1))
                await uow.commit()
            await done.wait()  # within the test's bound, far inside the hour: the notice woke B
    assert claimed_by_b == [message(1).idempotency_key]


async def test_two_replicas_run_a_scheduled_job_on_one_of_them_per_tick(
    daemon: DaemonFactory, postgres_dsn: str
) -> None:
    runs = 0

    async def sweep() -> None:
        nonlocal runs
        runs += 1

    # An hour-long interval: each replica's loop fires once, at its start, in the same tick.
    flows = registry(jobs=[JobSpec("sweep", 3600.0, sweep)])
    with anyio.fail_after(30):
        async with (
            daemon(flows, db_url=postgres_dsn) as a,
            daemon(flows, db_url=postgres_dsn) as b,
        ):
            statuses = [
                a.daemon.runtime.scheduler.status["sweep"],
                b.daemon.runtime.scheduler.status["sweep"],
            ]
            await eventually(lambda: sum(s.runs + s.ticks_elsewhere for s in statuses) == 2)
            assert runs == 1
            assert sorted(s.runs for s in statuses) == [0, 1]


async def test_two_replicas_process_each_inbound_event_once_in_arrival_order(
    daemon: DaemonFactory, postgres_dsn: str
) -> None:
    handled: list[tuple[str, str]] = []

    def handler(replica: str) -> Callable[[StoredInboundEvent], Awaitable[None]]:
        async def handle(stored: StoredInboundEvent) -> None:
            handled.append((stored.event.source_id, replica))
            await anyio.sleep(0.01)  # a real handler awaits: the other replica gets its chances

        return handle

    with anyio.fail_after(60):
        async with (
            daemon(registry(inbox_handlers={"rebound": handler("a")}), db_url=postgres_dsn) as a,
            daemon(registry(inbox_handlers={"rebound": handler("b")}), db_url=postgres_dsn) as b,
        ):
            ids = [f"e{n:03}" for n in range(40)]
            for n, source_id in enumerate(ids):
                intake = (a if n % 2 else b).daemon.composition.store.inbox
                event = InboundEvent(
                    source="rebound", source_id=source_id, kind="k", received_at=START, body=b"{}"
                )
                await intake.store(event)
            await eventually(lambda: len(handled) >= len(ids), within=30)
            await anyio.sleep(0.3)  # time for a second, duplicate run to show up, if there were one
    assert [source_id for source_id, _ in handled] == ids, "each once, in arrival order"


async def test_an_event_another_replica_holds_holds_back_its_key_and_no_other(
    daemon: DaemonFactory, postgres_dsn: str
) -> None:
    handled: list[str] = []

    async def handle(stored: StoredInboundEvent) -> None:
        handled.append(stored.event.source_id)

    def event(source_id: str, return_id: str) -> InboundEvent:
        body = msgspec.json.encode({"data": {"order": {"returnId": return_id}}})
        return InboundEvent(source="rebound", source_id=source_id, kind="k", received_at=START, body=body)

    with anyio.fail_after(30):
        async with PostgresStore.open(
            postgres_dsn, clock=SystemClock(), ids=Uuid7Generator(), max_connections=2
        ) as other:
            for source_id, return_id in [("e1", "K"), ("e2", "K"), ("e3", "L")]:
                await other.inbox.store(event(source_id, return_id))
            first = (await other.inbox.pending(limit=1))[0].seq
            assert await other.inbox.claim(first, "replica-z", 60), "replica z is on e1"
            async with daemon(registry(inbox_handlers={"rebound": handle}), db_url=postgres_dsn):
                await eventually(lambda: handled == ["e3"])
                await anyio.sleep(1.0)  # several passes of the dispatcher
                assert handled == ["e3"], "e2 waits behind e1 of its return, held elsewhere"
                await other.inbox.mark_processed(first)  # replica z is done with e1
                await eventually(lambda: handled == ["e3", "e2"])
