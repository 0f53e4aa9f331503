"""Scheduled jobs: one anyio loop per job inside the scheduler actor's task group.

Why not APScheduler 3's AsyncIOScheduler (not a dependency): it runs each coroutine job as a bare
asyncio task outside our task group, so a graceful stop cannot wait for a running job (its shutdown
only cancels the tasks and returns), and job errors go to its own logger and listeners instead of
the supervisor. A loop per job gives the same guarantees more simply: one instance at a time (the
loop awaits the run), missed runs coalesced (the next run is the next tick on the fixed-rate grid
that is still in the future), and a span, a record and a log line per run through the actor base
(`app.runtime.actor_base`), like every other actor.

Across replicas (PostgreSQL) each loop still ticks, but a run first claims the job's tick through
the store (`ports.job_ticks`): one replica runs it, the others skip that tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from anyio.abc import TaskStatus
from opentelemetry.trace import Span

from backflow.app.core.declarations import JobSpec
from backflow.app.core.deps import StoreDeps
from backflow.app.runtime.actor_base import Actor, Outcome, Unit
from backflow.app.runtime.wakeup import Lifecycle
from backflow.ports.job_ticks import JobTicks


class EveryTick:
    """One active daemon per database (SQLite's instance lease): every tick is this daemon's own."""

    async def try_begin(self, name: str, interval_seconds: float) -> bool:
        return True


@dataclass
class JobStatus:
    name: str
    interval_seconds: float
    runs: int = 0
    failures: int = 0
    running: bool = False
    last_started_at: datetime | None = None
    last_duration_seconds: float | None = None
    last_error: str | None = None
    ticks_elsewhere: int = 0
    """Ticks another replica claimed first (or that could not be claimed: the store was down)."""


@dataclass
class Scheduler(Actor[JobSpec]):
    jobs: Sequence[JobSpec]
    store: StoreDeps
    lifecycle: Lifecycle
    ticks: JobTicks = field(default_factory=EveryTick)
    status: dict[str, JobStatus] = field(default_factory=dict)

    failure_message = "scheduled job failed"

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with anyio.create_task_group() as loops:
            for job in self.jobs:
                self.status.setdefault(job.name, JobStatus(job.name, job.interval_seconds))
                loops.start_soon(self._loop, job, name=f"job {job.name}")
            task_status.started()

    async def _loop(self, job: JobSpec) -> None:
        next_at = anyio.current_time()
        while not self.lifecycle.is_stopping:
            await self.run_once(job)
            now = anyio.current_time()
            next_at += job.interval_seconds
            if next_at <= now:  # coalesce: runs missed while this one ran are skipped, not queued
                next_at = now + job.interval_seconds - (now - next_at) % job.interval_seconds
            with anyio.move_on_after(next_at - now):
                await self.lifecycle.stopping.wait()

    async def run_once(self, job: JobSpec) -> None:
        status = self.status.setdefault(job.name, JobStatus(job.name, job.interval_seconds))
        if not await self._claim_tick(job):
            status.ticks_elsewhere += 1
            return
        status.running, status.last_started_at = True, self.store.clock.now()
        began = anyio.current_time()
        try:
            await self.handle(job)
        finally:
            status.runs += 1
            status.running = False
            status.last_duration_seconds = anyio.current_time() - began

    async def _claim_tick(self, job: JobSpec) -> bool:
        try:
            return await self.ticks.try_begin(job.name, job.interval_seconds)
        except Exception as exc:  # the store is down: skip this tick rather than crash the loop
            self.log.warning(
                "cannot claim the job's tick: skipped", extra={"job": job.name, "error": repr(exc)}
            )
            return False

    def unit_of(self, job: JobSpec) -> Unit:
        return Unit(
            span_name=f"job {job.name}",
            attributes={"backflow.job": job.name},
            log_fields={"job": job.name},
            consumer=False,
        )

    async def work(self, job: JobSpec, span: Span) -> Outcome:
        await job.job()
        return Outcome.DONE

    async def succeeded(self, job: JobSpec) -> None:
        self.status[job.name].last_error = None

    async def failed(self, job: JobSpec, error: str) -> None:
        status = self.status[job.name]
        status.failures += 1
        status.last_error = error
