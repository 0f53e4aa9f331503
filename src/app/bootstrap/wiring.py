"""Composing the ports from configuration: what the daemon and the one-off commands both start from.

`open_wiring` opens the store, the commercetools and ReBound clients (or takes the ones a test
passes), wraps them for API health and shadow mode, and yields a `Composition`. Its `Wiring` is
the record the composition root binds handlers from (`Wiring.dependencies()`) and takes each
actor's and the HTTP layer's narrow part from; nothing outside the root receives it whole.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import cast

import anyio
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider

from backflow.adapters.commercetools import CommercetoolsAdapter
from backflow.adapters.rebound.client import ReboundClient
from backflow.adapters.rebound.mapping import to_sales_order
from backflow.adapters.rebound.tracking_mapper import ReboundTrackingMapper
from backflow.adapters.system_clock import SystemClock
from backflow.adapters.telemetry import Metrics, build_meter_provider, build_tracer_provider
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.adapters.webhook_alerts import WebhookAlertSender
from backflow.app.bootstrap.startup import (
    commercetools_config,
    open_store,
    prepare_commerce,
    probe_rebound,
    rebound_config,
)
from backflow.app.bootstrap.stores import Store
from backflow.app.core.deps import StoreDeps
from backflow.app.core.settings import Settings
from backflow.app.core.traced_outbox import TracedOutbox, traced_unit_of_work
from backflow.app.runtime.api_health import ApiHealth, recording
from backflow.app.runtime.binding import Dependencies, flow_dependencies
from backflow.app.runtime.daemon import Wakeups
from backflow.app.runtime.shadow import ShadowCommerce, ShadowPlatform
from backflow.ports.alerts import AlertSender
from backflow.ports.clock import Clock, IdGenerator
from backflow.ports.commerce import CommercePort
from backflow.ports.inbox import Inbox
from backflow.ports.outbox import Outbox, RetryPolicy
from backflow.ports.reports import ReportSource
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.timeline import TimelineReader
from backflow.ports.tracking import TrackingMapper
from backflow.ports.unit_of_work import UnitOfWorkFactory
from backflow.ports.watermarks import Watermarks

SHUTDOWN_SECONDS = 5.0


@dataclass(frozen=True)
class Wiring:
    """The composed ports the handlers are bound from (tests build one on a SQLite file)."""

    settings: Settings
    store: StoreDeps
    """Units of work (traced: a commit nudges the relay), the clock, the tracer, exception owners."""
    commerce: CommercePort
    platform: ReturnsPlatformPort
    inbox: Inbox
    outbox: Outbox
    watermarks: Watermarks
    timeline: TimelineReader
    reports: ReportSource | None = None
    """The ledgers read-only: binding a flow that asks for `reports` where this is None stops start-up."""
    alerts: AlertSender | None = None
    tracking: TrackingMapper | None = None
    """ReBound's published tracking updates read through the configured status table."""
    """Where alerts go; None when no webhook is configured."""

    def dependencies(self) -> Dependencies:
        """What a flow or a one-off use case may ask for by name, bound the way the daemon binds them."""
        return flow_dependencies(
            settings=self.settings,
            store=self.store,
            commerce=self.commerce,
            platform=self.platform,
            inbox=self.inbox,
            watermarks=self.watermarks,
            timeline=self.timeline,
            reports=self.reports,
            alerts=self.alerts,
            extra={"tracking": self.tracking} if self.tracking is not None else None,
        )


@dataclass
class Composition:
    """What `open_wiring` built: the wiring, plus the pieces only the runtime and HTTP layer need."""

    wiring: Wiring
    store: Store
    wakeups: Wakeups
    api_health: ApiHealth
    tracer_provider: TracerProvider
    ids: IdGenerator
    metrics: Metrics


@asynccontextmanager
async def open_wiring(
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    tracer_provider: TracerProvider | None = None,
    commerce: CommercePort | None = None,
    platform: ReturnsPlatformPort | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    retry_policy: RetryPolicy | None = None,
) -> AsyncIterator[Composition]:
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
        metrics = build_meter_provider(env)
        stack.push_async_callback(_shutdown_provider, metrics.provider)
        store = await open_store(stack, settings, clock=clock, ids=ids, policy=retry_policy)
        if ct_config is not None:
            adapter = CommercetoolsAdapter(
                ct_config, tracer_provider=provider, meter_provider=metrics.provider
            )
            stack.push_async_callback(shielded_close, adapter.aclose)
            commerce = recording(adapter, "commercetools", api_health)
            await prepare_commerce(recording(adapter, "commercetools", api_health), ct_config)
        else:
            assert commerce is not None
            commerce = recording(commerce, "commercetools", api_health)
        if rb_config is not None:
            client = ReboundClient.open(rb_config, tracer_provider=provider, meter_provider=metrics.provider)
            stack.push_async_callback(shielded_close, client.aclose)
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
            stack.push_async_callback(shielded_close, alerts.aclose)
        wakeups = Wakeups.create()
        unit_of_work = traced_unit_of_work(_uow_factory(store), wakeups.relay.work)
        wiring = Wiring(
            settings=settings,
            store=StoreDeps(
                unit_of_work=unit_of_work,
                clock=clock,
                tracer=provider.get_tracer("backflow"),
                owners=settings,
            ),
            commerce=commerce,
            platform=platform,
            inbox=store.inbox,
            outbox=TracedOutbox(store.outbox, wakeups.relay.work),
            watermarks=store.watermarks,
            timeline=store.timeline,
            reports=store.reports,
            alerts=alerts,
            tracking=ReboundTrackingMapper(settings.file.rebound.status_table()),
        )
        yield Composition(wiring, store, wakeups, api_health, provider, ids, metrics)


def _uow_factory(store: Store) -> UnitOfWorkFactory:
    # Either store's unit of work has every member of the protocol, but as mutable attributes of concrete
    # types, which mypy's invariance rule rejects; the protocol declaring read-only properties would
    # fix it at the source (a port change left to the store's owner).
    return cast(UnitOfWorkFactory, store.unit_of_work)


async def shielded_close(close: Callable[[], object]) -> None:
    with anyio.move_on_after(SHUTDOWN_SECONDS, shield=True):
        result = close()
        if hasattr(result, "__await__"):
            await result


async def _shutdown_provider(provider: TracerProvider | MeterProvider) -> None:
    with anyio.move_on_after(SHUTDOWN_SECONDS, shield=True):
        await anyio.to_thread.run_sync(provider.shutdown)
