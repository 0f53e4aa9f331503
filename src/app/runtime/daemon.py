"""The daemon's one root task group: actors started in order, supervised, stopped gracefully.

First the instance lease (SQLite: one active daemon per database, `instance`): a daemon that cannot
take it serves HTTP at once as a standby and starts its work only once it has taken over.
Start order: the inbox processor, the outbox actors, the relay that feeds them, the scheduler, and
last the HTTP server, so nothing is accepted before something can process it. A stop (SIGTERM,
SIGINT or `lifecycle.stop()`) stops claiming and accepting new work at once; in-flight and already
claimed rows get `shutdown_grace_seconds` to finish, then whatever is left is cancelled (its lease
lapses and another run picks it up). A second signal cancels at once.
"""

from __future__ import annotations

import functools
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import TaskStatus

from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.deps import StoreDeps
from backflow.app.core.settings import RuntimeSettings
from backflow.app.runtime.binding import Dependencies, bind_registry
from backflow.app.runtime.health import ActorHealth
from backflow.app.runtime.inbox_processor import InboxProcessor
from backflow.app.runtime.instance import InstanceKeeper
from backflow.app.runtime.outbox_actor import OutboxActor
from backflow.app.runtime.relay import Mailbox, run_outbox_relay
from backflow.app.runtime.scheduler import EveryTick, Scheduler
from backflow.app.runtime.supervisor import ActorFn, RestartPolicy, supervise
from backflow.app.runtime.wakeup import Lifecycle, Nudge
from backflow.ports.inbox import Inbox
from backflow.ports.job_ticks import JobTicks
from backflow.ports.outbox import Outbox

log = logging.getLogger(__name__)
DEFAULT_RESTART_POLICY = RestartPolicy()

HttpServe = Callable[..., Coroutine[Any, Any, None]]
"""`async def serve(*, task_status)`: binds, reports the bound port through `task_status`, serves."""


class RegistryError(ValueError):
    """The flow registry cannot run: a kind without a handler or actor, or claimed by two actors."""


def check_registry(registry: FlowRegistry) -> None:
    claimed: dict[str, str] = {}
    for spec in registry.actors:
        if spec.concurrency < 1:
            raise RegistryError(f"actor {spec.name!r}: concurrency must be at least 1")
        for kind in spec.kinds:
            if kind in claimed:
                raise RegistryError(f"outbox kind {kind!r} is claimed by {claimed[kind]!r} and {spec.name!r}")
            if kind not in registry.outbox_handlers:
                raise RegistryError(f"actor {spec.name!r} runs kind {kind!r} but no handler is registered")
            claimed[kind] = spec.name
    orphans = sorted(set(registry.outbox_handlers) - set(claimed))
    if orphans:
        raise RegistryError(f"outbox kinds with a handler but no actor to run them: {', '.join(orphans)}")


@dataclass
class Wakeups:
    """Created before the ports are composed: the traced unit of work and outbox and the intake nudge them."""

    lifecycle: Lifecycle
    relay: Nudge
    inbox: Nudge

    @classmethod
    def create(cls) -> Wakeups:
        lifecycle = Lifecycle()
        return cls(lifecycle, lifecycle.nudge_for_loop(), lifecycle.nudge_for_loop())


class Runtime:
    def __init__(
        self,
        registry: FlowRegistry,
        dependencies: Dependencies,
        wakeups: Wakeups,
        *,
        store: StoreDeps,
        inbox: Inbox,
        outbox: Outbox,
        settings: RuntimeSettings,
        run_id: str,
        restart_policy: RestartPolicy = DEFAULT_RESTART_POLICY,
        instance: InstanceKeeper | None = None,
        intakes: Sequence[tuple[str, ActorFn]] = (),
        job_ticks: JobTicks | None = None,
    ) -> None:
        """`dependencies` binds the handlers; each actor gets only the ports it drives itself.
        `intakes` are pollers that store what they fetch in the inbox (ReBound's SFTP folder), and
        listeners that wake the loops for other replicas' work: supervised like the actors, and
        cancelled as soon as the daemon stops. `job_ticks` decides which replica runs a job's tick
        (None: every tick is ours, one active daemon per database)."""
        check_registry(registry)
        self.intakes = tuple(intakes)
        registry = bind_registry(registry, dependencies)
        self.registry = registry
        self.outbox = outbox
        self.settings = settings
        self.wakeups = wakeups
        self.lifecycle = wakeups.lifecycle
        self.restart_policy = restart_policy
        self.health = ActorHealth(store.clock)
        self.instance = instance or InstanceKeeper(None, run_id, settings.instance_lease_seconds, store.clock)
        self.mailboxes = [Mailbox.open(spec, run_id) for spec in registry.actors]
        self.actors = [
            OutboxActor(
                mailbox, registry.outbox_handlers, outbox, store, wakeups.relay, settings.lease_seconds
            )
            for mailbox in self.mailboxes
        ]
        self.inbox_processor = InboxProcessor(
            registry.inbox_handlers,
            inbox,
            store,
            self.lifecycle,
            wakeups.inbox,
            poll_seconds=settings.poll_seconds,
            max_attempts=settings.inbox_max_attempts,
            holder=run_id,
            claim_seconds=settings.lease_seconds,
        )
        self.scheduler = Scheduler(registry.jobs, store, self.lifecycle, job_ticks or EveryTick())
        self._critical_wake = wakeups.relay.follower()
        self._running = 0
        self._idle = anyio.Event()

    def stop(self) -> None:
        self.lifecycle.stop()

    async def run(
        self,
        http: HttpServe | None = None,
        *,
        handle_signals: bool = True,
        task_status: TaskStatus[int | None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Run until stopped; reports the HTTP port (or None) once everything has started."""
        runtime = self.settings
        async with anyio.create_task_group() as root:
            if handle_signals:
                root.start_soon(self._watch_signals, root.cancel_scope, name="signal watcher")
            serving, port = False, None
            if not await self.instance.try_take():
                # A standby: healthz, a not-ready readyz and durable intake, nothing else.
                port = await root.start(http, name="http server") if http is not None else None
                task_status.started(port)
                serving = True
                if not await self.instance.wait_until_active(self.lifecycle.stopping):
                    root.cancel_scope.cancel()
                    return
            root.start_soon(self.instance.keep, name="instance lease")  # raises if the lease is lost
            await self._start(root, "inbox-processor", self.inbox_processor.run)
            for name, poller in self.intakes:
                await self._start(root, name, functools.partial(self._until_stopping, poller))
            for actor in self.actors:
                await self._start(root, actor.mailbox.spec.name, actor.run)
            await self._start(root, "outbox-relay", self._relay)
            if self.registry.jobs:
                await self._start(root, "scheduler", self.scheduler.run)
            if not serving:
                port = await root.start(http, name="http server") if http is not None else None
                task_status.started(port)
            log.info(
                "backflow running",
                extra={
                    "http_port": port,
                    "actors": sorted(self.health.actors),
                    "instance": self.instance.instance,
                },
            )
            await self.lifecycle.stopping.wait()
            log.info(
                "stopping: no new claims; in-flight work may finish",
                extra={"grace_s": runtime.shutdown_grace_seconds},
            )
            with anyio.move_on_after(runtime.shutdown_grace_seconds) as grace:
                await self._idle.wait()
            if grace.cancelled_caught:
                log.warning("grace period over: cancelling what is still running (its leases will lapse)")
            root.cancel_scope.cancel()
        await self.instance.release()
        log.info("backflow stopped")

    async def _relay(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """The relay loops: critical actors (order sync) claimed by a loop of their own, so their rows
        never wait while the loop claims for every other actor in turn."""
        runtime = self.settings
        critical = [m for m in self.mailboxes if m.spec.critical]
        others = [m for m in self.mailboxes if not m.spec.critical]
        relay = functools.partial(
            run_outbox_relay,
            self.outbox,
            lifecycle=self.lifecycle,
            lease_seconds=runtime.lease_seconds,
            poll_seconds=runtime.poll_seconds,
        )
        async with anyio.create_task_group() as loops:
            if critical:
                await loops.start(functools.partial(relay, critical, wake=self._critical_wake))
            await loops.start(functools.partial(relay, others, wake=self.wakeups.relay))
            task_status.started()

    async def _until_stopping(
        self, poller: ActorFn, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """A poller never ends by itself; it takes no claims, so stopping cancels it at once (what it
        stored is committed, and what it did not is still at the sender)."""
        async with anyio.create_task_group() as group:
            await group.start(poller)
            task_status.started()
            await self.lifecycle.stopping.wait()
            group.cancel_scope.cancel()

    async def _start(self, root: anyio.abc.TaskGroup, name: str, actor: ActorFn) -> None:
        self._running += 1
        await root.start(self._supervised, name, actor, name=f"supervisor {name}")

    async def _supervised(
        self, name: str, actor: ActorFn, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        try:
            await supervise(name, actor, self.health, self.restart_policy, task_status=task_status)
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle.set()

    async def _watch_signals(self, root: anyio.CancelScope) -> None:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async for received in signals:
                if not self.lifecycle.is_stopping:
                    log.info("signal received: stopping", extra={"signal": signal.Signals(received).name})
                    self.stop()
                else:
                    log.warning("second signal: cancelling now")
                    root.cancel()
                    return
