"""The scheduler: one run at a time, missed ticks coalesced, failures recorded and retried next tick."""

from __future__ import annotations

import itertools
from typing import cast

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider

from backflow.app.core.declarations import JobSpec
from backflow.app.core.deps import StoreDeps
from backflow.app.runtime.scheduler import Scheduler
from backflow.app.runtime.wakeup import Lifecycle
from tests.unit.runtime.test_runtime_parts import Clock

pytestmark = pytest.mark.anyio


class TracedStore:
    """The part of `StoreDeps` the scheduler reads: its spans and the clock."""

    tracer = TracerProvider().get_tracer("test")
    clock = Clock()


async def test_a_slow_job_never_overlaps_and_missed_runs_are_not_queued() -> None:
    running, overlaps, starts = 0, 0, []

    async def slow() -> None:
        nonlocal running, overlaps
        running += 1
        overlaps = max(overlaps, running)
        starts.append(anyio.current_time())
        await anyio.sleep(0.25)  # longer than two intervals
        running -= 1

    async def failing() -> None:
        raise RuntimeError("sweep failed")

    lifecycle = Lifecycle()
    jobs = [JobSpec("slow", 0.1, slow), JobSpec("failing", 0.1, failing)]
    scheduler = Scheduler(jobs, cast(StoreDeps, TracedStore()), lifecycle)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(scheduler.run)
            await anyio.sleep(0.9)
            lifecycle.stop()
    assert overlaps == 1
    assert 3 <= len(starts) <= 4, "0.9 s of 0.25 s runs on a 0.1 s grid: no backlog of missed ticks"
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(gap < 0.35 for gap in gaps), "the next run is the next grid tick, not a full interval later"
    failing_status = scheduler.status["failing"]
    assert failing_status.failures == failing_status.runs >= 5
    assert failing_status.last_error == "RuntimeError: sweep failed"
