"""The composition root: the only place that imports adapters (with its submodules).

    async with bootstrap(settings, registry, env=os.environ) as daemon:
        await daemon.run()

Every dependency is built from configuration unless passed in (cosmicpython-style keyword
overrides): tests pass a tracer provider with an in-memory exporter, fake or simulator-backed ports,
a fixed clock, webhook secrets. `open_wiring` (in `wiring`) composes only the ports, for one-off commands.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import anyio
from aiohttp import web
from anyio.abc import TaskStatus
from opentelemetry.sdk.trace import TracerProvider

from backflow.adapters.rebound.config import parse_secrets
from backflow.adapters.rebound.webhook import make_webhook_handler
from backflow.adapters.system_clock import SystemClock
from backflow.app.bootstrap.measure import measure
from backflow.app.bootstrap.push import parse_push
from backflow.app.bootstrap.rebound_intake import (
    endpoint_auth,
    masked_headers,
    push_checks,
    rebound_endpoints,
    sftp_intakes,
    sftp_settings,
    webhook_capture,
)
from backflow.app.bootstrap.secrets import configured_secrets as configured_secrets  # for the CLI's logging
from backflow.app.bootstrap.stores import Store, instance_lease, job_ticks, work_listeners
from backflow.app.bootstrap.stores import open_report_source as open_report_source  # for `backflow report`
from backflow.app.bootstrap.wiring import Composition, Wiring, open_wiring
from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.policies import refund_policy
from backflow.app.core.settings import ConfigError, Settings
from backflow.app.entrypoints.http.body import MAX_BODY, read_body
from backflow.app.entrypoints.http.capture import Capture, capture_enabled
from backflow.app.entrypoints.http.deps import HttpDeps
from backflow.app.entrypoints.http.intake import PushIntake
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.entrypoints.http.metrics import MetricsPage
from backflow.app.entrypoints.http.rebound_intake import Intake
from backflow.app.entrypoints.http.server import create_app, http_service
from backflow.app.runtime.api_health import ApiHealth
from backflow.app.runtime.daemon import DEFAULT_RESTART_POLICY, Runtime, Wakeups
from backflow.app.runtime.instance import InstanceKeeper
from backflow.app.runtime.store_metrics import StoreMetrics
from backflow.app.runtime.supervisor import ActorFn, RestartPolicy
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.commerce import CommercePort
from backflow.ports.job_ticks import JobTicks
from backflow.ports.monitor import StoreMonitor
from backflow.ports.outbox import RetryPolicy
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.timeline import TimelineReader

METRICS_REFRESH_SECONDS = 15.0
"""How often the store's figures are read for OTLP export (a scrape also reads them itself)."""


@dataclass
class Daemon:
    composition: Composition
    runtime: Runtime
    http_app: web.Application
    store_metrics: StoreMetrics

    @property
    def wiring(self) -> Wiring:
        return self.composition.wiring

    @property
    def monitor(self) -> StoreMonitor:
        """The queues as the admin API reads them (tests wait on them)."""
        return self.composition.store.monitor

    async def run(
        self, *, handle_signals: bool = True, task_status: TaskStatus[int | None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        settings = self.wiring.settings
        serve = http_service(self.http_app, settings.http_host, settings.http_port)

        async def serve_and_measure(*, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED) -> None:
            # The metrics' reading of the store lives and ends with the HTTP server.
            async with anyio.create_task_group() as group:
                group.start_soon(self.store_metrics.run, METRICS_REFRESH_SECONDS, METRICS_REFRESH_SECONDS)
                await serve(task_status=task_status)

        await self.runtime.run(serve_and_measure, handle_signals=handle_signals, task_status=task_status)


@asynccontextmanager
async def bootstrap(
    settings: Settings,
    registry: FlowRegistry | Callable[[Settings], FlowRegistry],
    *,
    env: Mapping[str, str] | None = None,
    tracer_provider: TracerProvider | None = None,
    commerce: CommercePort | None = None,
    platform: ReturnsPlatformPort | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    webhook_secrets: Sequence[str] | None = None,
    restart_policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    retry_policy: RetryPolicy | None = None,
    timeline: TimelineReader | None = None,
) -> AsyncIterator[Daemon]:
    env = os.environ if env is None else env
    secrets = (
        tuple(webhook_secrets)
        if webhook_secrets is not None
        else parse_secrets(env.get("REBOUND_WEBHOOK_SECRET", ""))
    )
    if not secrets:
        raise ConfigError("REBOUND_WEBHOOK_SECRET is required: without it no webhook can be verified")
    auth = endpoint_auth(env, secrets)
    sftp = sftp_settings(env)
    async with (
        AsyncExitStack() as stack,
        open_wiring(
            settings,
            env=env,
            tracer_provider=tracer_provider,
            commerce=commerce,
            platform=platform,
            clock=clock,
            ids=ids,
            retry_policy=retry_policy,
        ) as composition,
    ):
        wiring, store, clock = composition.wiring, composition.store, composition.wiring.store.clock
        flows = registry(settings) if callable(registry) else registry
        run_id = composition.ids.new_id()
        instance = InstanceKeeper(
            instance_lease(store),
            f"{socket.gethostname()}:{os.getpid()}:{run_id[-8:]}",
            settings.runtime.instance_lease_seconds,
            SystemClock(),  # lease times are wall-clock whatever clock the flows run on
        )
        runtime = runtime_of(
            wiring,
            flows,
            composition.wakeups,
            run_id=run_id,
            restart_policy=restart_policy,
            instance=instance,
            intakes=(
                *sftp_intakes(sftp, store.inbox, clock, composition.wakeups.inbox),
                *work_listeners(store, inbox=composition.wakeups.inbox, relay=composition.wakeups.relay),
            ),
            job_ticks=job_ticks(store),
        )
        audit = IntakeAudit(store=wiring.store, inbox=store.inbox)
        store_metrics = measure(composition.metrics.provider, store, wiring, flows, audit)
        deps = http_deps(
            wiring,
            runtime,
            store=store,
            api_health=composition.api_health,
            timeline=timeline or store.timeline,
            intake=audit,
            metrics=MetricsPage(store_metrics, composition.metrics.scrape),
        )
        checks = await push_checks(stack, env, settings.push_token)
        push = PushIntake(store.inbox, parse_push, clock, composition.wakeups.inbox, checks.check, audit)
        capture = Capture(store.inbox, clock, masked_headers(auth)) if capture_enabled(env) else None
        intake = Intake(store.inbox, clock, composition.wakeups.inbox, audit, capture)
        tracking, rebound_push = rebound_endpoints(intake, auth, checks.check)
        webhook = make_webhook_handler(
            store.inbox,
            secrets,
            clock,
            read_body=read_body,
            audit=audit,
            max_body=MAX_BODY,
            auth=auth,
            capture=webhook_capture(capture),
        )
        app = create_app(deps, webhook=webhook, push=push, tracking=tracking, rebound_push=rebound_push)
        yield Daemon(composition, runtime, app, store_metrics)


def runtime_of(
    wiring: Wiring,
    registry: FlowRegistry,
    wakeups: Wakeups,
    *,
    run_id: str,
    restart_policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    instance: InstanceKeeper | None = None,
    intakes: Sequence[tuple[str, ActorFn]] = (),
    job_ticks: JobTicks | None = None,
) -> Runtime:
    """The runtime over the wiring: handlers bound from it, each actor given its own narrow part."""
    return Runtime(
        registry,
        wiring.dependencies(),
        wakeups,
        store=wiring.store,
        inbox=wiring.inbox,
        outbox=wiring.outbox,
        settings=wiring.settings.runtime,
        run_id=run_id,
        restart_policy=restart_policy,
        instance=instance,
        intakes=intakes,
        job_ticks=job_ticks,
    )


def http_deps(
    wiring: Wiring,
    runtime: Runtime,
    *,
    store: Store,
    api_health: ApiHealth,
    timeline: TimelineReader | None,
    intake: IntakeAudit,
    metrics: MetricsPage | None = None,
) -> HttpDeps:
    """What the HTTP layer reads and the operator's actions write through, taken from the wiring once."""
    settings = wiring.settings
    return HttpDeps(
        store=wiring.store,
        outbox=wiring.outbox,
        monitor=store.monitor,
        commerce=wiring.commerce,
        refund_policy=refund_policy(settings),
        admin_token=settings.admin_token,
        api_ready_window_seconds=settings.runtime.api_ready_window_seconds,
        shadow=settings.shadow,
        runtime=runtime,
        admin=store.admin,
        api_health=api_health,
        shadow_log=store.shadow_log,
        timeline=timeline,
        intake=intake,
        metrics=metrics,
    )
