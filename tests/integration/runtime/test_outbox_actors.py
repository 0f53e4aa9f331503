"""The relay and the outbox actors against a real SQLite store: backpressure, concurrency, leases,
dead letters."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from backflow.app.core.declarations import ROW_COMPLETED, ActorSpec, RowCompleted
from backflow.ports.monitor import StoreMonitor
from backflow.ports.outbox import OutboxMessage, OutboxRow, OutboxStatus, RetryPolicy
from backflow.ports.unit_of_work import UnitOfWorkFactory
from tests.integration.runtime.conftest import DaemonFactory, eventually, registry

pytestmark = pytest.mark.anyio


def message(n: int, kind: str = "work") -> OutboxMessage:
    return OutboxMessage(kind=kind, payload=msgspec.json.encode({"n": n}), idempotency_key=f"{kind}-{n}")


async def leased_count(monitor: StoreMonitor) -> int:
    depth = await monitor.queue_depth()
    return sum(d.count for d in depth if d.status is OutboxStatus.LEASED)


async def test_an_actor_holds_no_more_rows_than_its_workers_and_mailbox(daemon: DaemonFactory) -> None:
    running_now, peak, done = 0, 0, []
    release = anyio.Event()

    async def slow(row: OutboxRow) -> None:
        nonlocal running_now, peak
        running_now += 1
        peak = max(peak, running_now)
        await release.wait()
        running_now -= 1
        done.append(row.id)

    flows = registry(outbox_handlers={"work": slow}, actors=[ActorSpec("worker", ("work",), concurrency=2)])
    with anyio.fail_after(20):
        async with daemon(flows) as run:
            wiring = run.daemon.wiring
            for n in range(10):
                await wiring.outbox.append(message(n))
            await eventually(lambda: running_now == 2)
            await anyio.sleep(0.5)  # several relay polls: it must not claim beyond the bound
            assert peak == 2
            assert await leased_count(run.daemon.monitor) == 4, (
                "2 running + a mailbox of 2; the other 6 stay pending"
            )
            release.set()
            await eventually(lambda: len(done) == 10)
            assert peak == 2
            await eventually(lambda: _all_done(run.daemon.monitor))


async def _all_done(monitor: StoreMonitor) -> bool:
    return not [d for d in await monitor.queue_depth() if d.count]


async def test_a_long_handler_keeps_its_lease(daemon: DaemonFactory) -> None:
    from backflow.app.core.settings import RuntimeSettings

    started = anyio.Event()
    finish = anyio.Event()
    seen: list[str] = []

    async def long(row: OutboxRow) -> None:
        seen.append(row.id)
        started.set()
        await finish.wait()

    flows = registry(outbox_handlers={"work": long}, actors=[ActorSpec("worker", ("work",), concurrency=1)])
    runtime = RuntimeSettings(lease_seconds=0.4, poll_seconds=0.1, shutdown_grace_seconds=2)
    with anyio.fail_after(20):
        async with daemon(flows, runtime=runtime) as run:
            wiring = run.daemon.wiring
            await wiring.outbox.append(message(1))
            await started.wait()
            await anyio.sleep(1.2)  # three lease lengths: without renewal another claimer would get it
            assert await wiring.outbox.claim("intruder", limit=10, lease_seconds=5) == []
            finish.set()
            await eventually(lambda: _all_done(run.daemon.monitor))
            history = await run.daemon.monitor.history(seen[0])
            assert seen == [seen[0]], "ran once"
            assert [e.to_status for e in history] == [
                OutboxStatus.PENDING,
                OutboxStatus.LEASED,
                OutboxStatus.DONE,
            ]


async def test_the_last_failed_attempt_buries_the_row_and_raises_a_dead_letter_exception(
    daemon: DaemonFactory,
) -> None:
    attempts = 0

    async def broken(row: OutboxRow) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("upstream says no")

    flows = registry(outbox_handlers={"work": broken}, actors=[ActorSpec("worker", ("work",))])
    policy = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, max_attempts=3)
    with anyio.fail_after(20):
        async with daemon(flows, retry_policy=policy) as run:
            wiring = run.daemon.wiring
            await wiring.outbox.append(message(7))
            dead = await eventually(run.daemon.monitor.dead_rows)
            assert attempts == 3
            assert dead[0].last_error == "RuntimeError: upstream says no"
            async with wiring.store.unit_of_work() as uow:
                found = await eventually(lambda: uow.exceptions.unresolved(owner="operations"))
            exception = found[0]
            assert exception.type == "dead_letter"
            evidence = msgspec.json.decode(exception.evidence)
            assert evidence["outbox_id"] == dead[0].id
            assert evidence["kind"] == "work"
            assert evidence["payload"] == {"n": 7}
            assert evidence["error"] == "RuntimeError: upstream says no"
            assert evidence["retry"] == {"kind": "work", "payload": {"n": 7}, "idempotency_key": "work-7"}


async def test_rows_staged_in_a_unit_of_work_start_without_waiting_for_the_poll(
    daemon: DaemonFactory,
) -> None:
    from backflow.app.core.settings import RuntimeSettings

    done = anyio.Event()

    async def quick(row: OutboxRow) -> None:
        done.set()

    flows = registry(outbox_handlers={"work": quick}, actors=[ActorSpec("worker", ("work",))])
    slow_poll = RuntimeSettings(poll_seconds=30, shutdown_grace_seconds=2)
    with anyio.fail_after(20):
        async with daemon(flows, runtime=slow_poll) as run:
            await anyio.sleep(0.2)  # the relay is now waiting out its 30 s poll
            async with run.daemon.wiring.store.unit_of_work() as uow:
                uow.outbox.add(message(1))
                await uow.commit()
            with anyio.fail_after(2):
                await done.wait()


async def test_a_critical_actor_runs_its_rows_while_every_other_actor_is_busy(daemon: DaemonFactory) -> None:
    # Claimed by a relay loop of its own (order sync): it does not wait for the other actors' claims.
    release = anyio.Event()
    urgent: list[int] = []

    async def slow(row: OutboxRow) -> None:
        await release.wait()

    async def fast(row: OutboxRow) -> None:
        urgent.append(msgspec.json.decode(row.payload)["n"])

    actors = [ActorSpec("worker", ("work",), concurrency=2), ActorSpec("sync", ("sync",), critical=True)]
    flows = registry(outbox_handlers={"work": slow, "sync": fast}, actors=actors)
    with anyio.fail_after(20):
        async with daemon(flows) as run:
            wiring = run.daemon.wiring
            for n in range(10):
                await wiring.outbox.append(message(n))
            for n in range(3):
                await wiring.outbox.append(message(n, kind="sync"))
            await eventually(lambda: sorted(urgent) == [0, 1, 2])
            release.set()
            await eventually(lambda: _all_done(run.daemon.monitor))


async def test_a_row_its_handler_completed_in_its_own_commit_is_not_completed_again(
    daemon: DaemonFactory, caplog: pytest.LogCaptureFixture
) -> None:
    stores: list[UnitOfWorkFactory] = []

    async def completes_itself(row: OutboxRow) -> RowCompleted:
        assert row.lease_owner is not None
        async with stores[0]() as uow:
            uow.outbox.complete(row.id, row.lease_owner)
            await uow.commit()
        return ROW_COMPLETED

    flows = registry(outbox_handlers={"work": completes_itself}, actors=[ActorSpec("worker", ("work",))])
    with anyio.fail_after(20):
        async with daemon(flows) as run:
            wiring = run.daemon.wiring
            stores.append(wiring.store.unit_of_work)
            appended = [await wiring.outbox.append(message(n)) for n in range(3)]
            await eventually(lambda: _all_done(run.daemon.monitor))
            for result in appended:
                statuses = [event.to_status for event in await wiring.outbox.history(result.id)]
                assert statuses[-1] is OutboxStatus.DONE and statuses.count(OutboxStatus.DONE) == 1
    assert "lease lost before completion" not in caplog.text
