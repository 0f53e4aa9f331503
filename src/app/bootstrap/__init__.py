"""The composition root: the only place that imports adapters (with its submodules).

    async with bootstrap(settings, registry, env=os.environ) as daemon:
        await daemon.run()

Every dependency is built from configuration unless passed in (cosmicpython-style keyword
overrides): tests pass a tracer provider with an in-memory exporter, fake or simulator-backed ports,
a fixed clock, webhook secrets. `open_context` builds only the flow context, for one-shot commands.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import anyio
from aiohttp import web
from anyio.abc import TaskStatus
from opentelemetry.sdk.trace import TracerProvider

from backflow.adapters.commercetools import CommercetoolsAdapter
from backflow.adapters.rebound.client import ReboundClient
from backflow.adapters.rebound.config import parse_secrets
from backflow.adapters.rebound.mapping import to_sales_order
from backflow.adapters.rebound.tracking_mapper import ReboundTrackingMapper
from backflow.adapters.rebound.webhook import make_webhook_handler
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.telemetry import build_tracer_provider
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.adapters.webhook_alerts import WebhookAlertSender
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
from backflow.app.bootstrap.startup import (
    commercetools_config,
    open_store,
    prepare_commerce,
    probe_rebound,
    rebound_config,
)
from backflow.app.bootstrap.stores import Store
from backflow.app.bootstrap.stores import open_report_source as open_report_source  # for `backflow report`
from backflow.app.core.context import FlowContext, FlowRegistry
from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import refund_policy
from backflow.app.core.settings import ConfigError, Settings
from backflow.app.core.traced_outbox import TracedOutbox, traced_unit_of_work
from backflow.app.entrypoints.http.body import MAX_BODY, read_body
from backflow.app.entrypoints.http.capture import Capture, capture_enabled
from backflow.app.entrypoints.http.deps import HttpDeps
from backflow.app.entrypoints.http.intake import PushIntake
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.entrypoints.http.rebound_intake import Intake
from backflow.app.entrypoints.http.server import create_app, http_service
from backflow.app.runtime.api_health import ApiHealth, recording
from backflow.app.runtime.binding import Dependencies, context_dependencies
from backflow.app.runtime.daemon import DEFAULT_RESTART_POLICY, Runtime, Wakeups
from backflow.app.runtime.shadow import ShadowCommerce, ShadowPlatform
from backflow.app.runtime.supervisor import RestartPolicy
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.commerce import CommercePort
from backflow.ports.outbox import RetryPolicy
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.timeline import TimelineReader
from backflow.ports.unit_of_work import UnitOfWorkFactory

SHUTDOWN_SECONDS = 5.0
SECRET_VARIABLES = (
    "CTP_CLIENT_SECRET",
    "REBOUND_CLIENT_SECRET",
    "BACKFLOW_ADMIN_TOKEN",
    "BACKFLOW_PUSH_TOKEN",
    "REBOUND_SFTP_PASSWORD",
)


def configured_secrets(env: Mapping[str, str]) -> list[str]:
    """Every secret in the configuration, for the log formatter to mask."""
    found = [env[name] for name in SECRET_VARIABLES if env.get(name)]
    if db_password := _url_password(env.get("BACKFLOW_DB", "")):
        found.append(db_password)
    found.extend(parse_secrets(env.get("REBOUND_WEBHOOK_SECRET", "")))
    return found


@dataclass
class Context:
    """What `open_context` built: the flows' context plus the pieces the runtime and HTTP need."""

    settings: Settings
    ctx: FlowContext
    store: Store
    wakeups: Wakeups
    api_health: ApiHealth
    tracer_provider: TracerProvider

    def dependencies(self) -> Dependencies:
        """What a flow or a one-off use case may ask for by name, bound the way the daemon binds them."""
        return context_dependencies(self.ctx)


@asynccontextmanager
async def open_context(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    tracer_provider: TracerProvider | None = None,
    commerce: CommercePort | None = None,
    platform: ReturnsPlatformPort | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    retry_policy: RetryPolicy | None = None,
) -> AsyncIterator[Context]:
    env = os.environ if env is None else env
    clock = clock or SystemClock()
    ids = ids or Uuid7Generator()
    # Every setting is read before anything is opened: a bad one is named, nothing half-started.
    ct_config = commercetools_config(env) if commerce is None else None
    rb_config = rebound_config(env) if platform is None else None
    provider = tracer_provider or build_tracer_provider(env)
    api_health = ApiHealth(clock)
    async with AsyncExitStack() as stack:
        if tracer_provider is None:  # ours: flush and close it last, even when cancelled
            stack.push_async_callback(_shutdown_provider, provider)
        store = await open_store(stack, settings, clock=clock, ids=ids, policy=retry_policy)
        if ct_config is not None:
            adapter = CommercetoolsAdapter(ct_config, tracer_provider=provider)
            stack.push_async_callback(_shielded_close, adapter.aclose)
            commerce = recording(adapter, "commercetools", api_health)
            await prepare_commerce(recording(adapter, "commercetools", api_health), ct_config)
        else:
            assert commerce is not None
            commerce = recording(commerce, "commercetools", api_health)
        if rb_config is not None:
            client = ReboundClient.open(rb_config, tracer_provider=provider)
            stack.push_async_callback(_shielded_close, client.aclose)
            platform = recording(client, "rebound", api_health)
            await probe_rebound(platform, rb_config)
        else:
            assert platform is not None
            platform = recording(platform, "rebound", api_health)
        if settings.shadow:
            commerce = ShadowCommerce(commerce, store.shadow_log, clock)
            platform = ShadowPlatform(platform, store.shadow_log, clock, to_sales_order)
        alerts = None
        if settings.file.alerts.webhook_url:
            alerts = WebhookAlertSender(
                settings.file.alerts.webhook_url, timeout_seconds=settings.file.alerts.timeout_seconds
            )
            stack.push_async_callback(_shielded_close, alerts.aclose)
        wakeups = Wakeups.create()
        ctx = FlowContext(
            settings=settings,
            unit_of_work=traced_unit_of_work(_uow_factory(store), wakeups.relay.nudge),
            inbox=store.inbox,
            outbox=TracedOutbox(store.outbox, wakeups.relay.nudge),
            monitor=store.monitor,
            commerce=commerce,
            platform=platform,
            clock=clock,
            ids=ids,
            tracer=provider.get_tracer("backflow"),
            watermarks=store.watermarks,
            timeline=store.timeline,
            reports=store.reports,
            alerts=alerts,
            tracking=ReboundTrackingMapper(settings.file.rebound.status_table()),
        )
        yield Context(settings, ctx, store, wakeups, api_health, provider)


@dataclass
class Daemon:
    context: Context
    runtime: Runtime
    http_app: web.Application

    @property
    def ctx(self) -> FlowContext:
        return self.context.ctx

    async def run(
        self, *, handle_signals: bool = True, task_status: TaskStatus[int | None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        settings = self.context.settings
        serve = http_service(self.http_app, settings.http_host, settings.http_port)
        await self.runtime.run(serve, handle_signals=handle_signals, task_status=task_status)


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
        open_context(
            settings,
            env=env,
            tracer_provider=tracer_provider,
            commerce=commerce,
            platform=platform,
            clock=clock,
            ids=ids,
            retry_policy=retry_policy,
        ) as context,
    ):
        ctx, store = context.ctx, context.store
        flows = registry(settings) if callable(registry) else registry
        intakes = sftp_intakes(sftp, store.inbox, ctx.clock, context.wakeups.inbox)
        runtime = Runtime(
            ctx,
            flows,
            context.wakeups,
            run_id=ctx.ids.new_id(),
            restart_policy=restart_policy,
            intakes=intakes,
        )
        audit = IntakeAudit(store=store_deps(ctx), inbox=store.inbox)
        deps = http_deps(
            ctx,
            runtime,
            store=store,
            api_health=context.api_health,
            timeline=timeline or store.timeline,
            intake=audit,
        )
        checks = await push_checks(stack, env, settings.push_token)
        push = PushIntake(store.inbox, parse_push, ctx.clock, context.wakeups.inbox, checks.check, audit)
        capture = Capture(store.inbox, ctx.clock, masked_headers(auth)) if capture_enabled(env) else None
        intake = Intake(store.inbox, ctx.clock, context.wakeups.inbox, audit, capture)
        tracking, rebound_push = rebound_endpoints(intake, auth, checks.check)
        webhook = make_webhook_handler(
            store.inbox,
            secrets,
            ctx.clock,
            read_body=read_body,
            audit=audit,
            max_body=MAX_BODY,
            auth=auth,
            capture=webhook_capture(capture),
        )
        app = create_app(deps, webhook=webhook, push=push, tracking=tracking, rebound_push=rebound_push)
        yield Daemon(context, runtime, app)


def http_deps(
    ctx: FlowContext,
    runtime: Runtime,
    *,
    store: Store,
    api_health: ApiHealth,
    timeline: TimelineReader | None,
    intake: IntakeAudit,
) -> HttpDeps:
    """What the HTTP layer reads, taken from the composed context once."""
    return HttpDeps(
        store=store_deps(ctx),
        outbox=ctx.outbox,
        monitor=ctx.monitor,
        refund_policy=refund_policy(ctx.settings),
        admin_token=ctx.settings.admin_token,
        api_ready_window_seconds=ctx.settings.runtime.api_ready_window_seconds,
        shadow=ctx.settings.shadow,
        runtime=runtime,
        admin=store.admin,
        api_health=api_health,
        shadow_log=store.shadow_log,
        timeline=timeline,
        intake=intake,
        ctx=ctx,
    )


def store_deps(ctx: FlowContext) -> StoreDeps:
    return StoreDeps(unit_of_work=ctx.unit_of_work, clock=ctx.clock, tracer=ctx.tracer, owners=ctx.settings)


def _uow_factory(store: Store) -> UnitOfWorkFactory:
    # Either store's unit of work has every member of the protocol, but as mutable attributes of concrete
    # types, which mypy's invariance rule rejects; the protocol declaring read-only properties would
    # fix it at the source (a port change left to the store's owner).
    return cast(UnitOfWorkFactory, store.unit_of_work)


def _url_password(text: str) -> str | None:
    """The password of a PostgreSQL URL in BACKFLOW_DB, if it carries one."""
    if "://" not in text:
        return None
    try:
        return urlsplit(text).password or None
    except ValueError:
        return None


async def _shielded_close(close: Callable[[], object]) -> None:
    with anyio.move_on_after(SHUTDOWN_SECONDS, shield=True):
        result = close()
        if hasattr(result, "__await__"):
            await result


async def _shutdown_provider(provider: TracerProvider) -> None:
    with anyio.move_on_after(SHUTDOWN_SECONDS, shield=True):
        await anyio.to_thread.run_sync(provider.shutdown)
