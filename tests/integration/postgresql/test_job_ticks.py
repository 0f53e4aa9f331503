"""Each scheduled job runs once per tick across replicas: two schedulers on one database, and the
tick claim itself raced by many callers. The clock is moved by hand, so ticks are exact."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.core.declarations import JobSpec
from backflow.app.core.deps import StoreDeps
from backflow.app.runtime.scheduler import Scheduler
from backflow.app.runtime.wakeup import Lifecycle
from tests.integration.store.support import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]

INTERVAL = 60.0


class Owners:
    def owner_of(self, exception_type: str) -> str:
        return "operations"


def _store(dsn: str, clock: FakeClock) -> AbstractAsyncContextManager[PostgresStore]:
    return PostgresStore.open(dsn, clock=clock, ids=Uuid7Generator(), max_connections=4)


@asynccontextmanager
async def _replicas(dsn: str, clock: FakeClock, count: int) -> AsyncIterator[list[PostgresStore]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(_store(dsn, clock)) for _ in range(count)]


def _scheduler(store: PostgresStore, clock: FakeClock, job: JobSpec) -> Scheduler:
    deps = StoreDeps(store.unit_of_work, clock, TracerProvider().get_tracer("test"), Owners())
    return Scheduler([job], deps, Lifecycle(), store.job_ticks)


async def test_two_schedulers_on_one_database_run_a_job_once_per_interval(postgres_dsn: str) -> None:
    clock, runs = FakeClock(), []

    async def sweep() -> None:
        runs.append(clock.now())

    job = JobSpec("sweep", INTERVAL, sweep)
    with anyio.fail_after(30):
        async with _replicas(postgres_dsn, clock, 2) as (a, b):
            first, second = _scheduler(a, clock, job), _scheduler(b, clock, job)
            for _ in range(5):
                # Both replicas' loops fire in the same tick (in either order): one run per tick.
                async with anyio.create_task_group() as tg:
                    tg.start_soon(first.run_once, job)
                    tg.start_soon(second.run_once, job)
                clock.advance(INTERVAL)
            assert len(runs) == 5, "five ticks, five runs: not ten"
            assert len(set(runs)) == 5
            mine = first.status["sweep"], second.status["sweep"]
            assert sum(s.runs for s in mine) == 5
            assert sum(s.ticks_elsewhere for s in mine) == 5


async def test_a_replica_whose_loop_fires_late_in_the_tick_still_skips_it(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(30):
        async with _replicas(postgres_dsn, clock, 2) as (a, b):
            assert await a.job_ticks.try_begin("sweep", INTERVAL)
            clock.advance(INTERVAL * 0.4)
            assert not await b.job_ticks.try_begin("sweep", INTERVAL), "the same tick, later"
            clock.advance(INTERVAL)
            assert await b.job_ticks.try_begin("sweep", INTERVAL), "the next tick, whoever asks first"
            assert not await a.job_ticks.try_begin("sweep", INTERVAL)
            assert await a.job_ticks.try_begin("other", INTERVAL), "ticks are per job"


async def test_many_callers_racing_for_one_tick_give_it_to_exactly_one(postgres_dsn: str) -> None:
    clock, winners = FakeClock(), []
    with anyio.fail_after(30):
        async with _replicas(postgres_dsn, clock, 3) as replicas:

            async def race(store: PostgresStore, caller: int) -> None:
                if await store.job_ticks.try_begin("sweep", INTERVAL):
                    winners.append(caller)

            for tick in range(3):
                async with anyio.create_task_group() as tg:
                    for caller in range(12):
                        tg.start_soon(race, replicas[caller % 3], caller)
                assert len(winners) == tick + 1, "one winner per tick, the first tick included"
                clock.advance(INTERVAL)


async def test_a_changed_interval_starts_its_own_grid(postgres_dsn: str) -> None:
    clock = FakeClock()
    with anyio.fail_after(30):
        async with _store(postgres_dsn, clock) as store:
            assert await store.job_ticks.try_begin("sweep", 3600.0)
            # A shorter interval has larger tick numbers, a longer one smaller: both run at once.
            assert await store.job_ticks.try_begin("sweep", 60.0)
            assert await store.job_ticks.try_begin("sweep", 86_400.0)
            assert not await store.job_ticks.try_begin("sweep", 86_400.0)
