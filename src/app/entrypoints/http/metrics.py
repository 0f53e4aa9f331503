"""`GET /metrics`: the Prometheus text format, outside the admin token (like `/healthz`).

It shows counts by low-cardinality labels only, never an id, an amount of one return or a secret;
still, bind it where only the scraper reaches it (see docs/operating.md). The intake counters are
observed here from the `IntakeAudit` the intake endpoints already tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import anyio
from aiohttp import web
from opentelemetry.metrics import CallbackOptions, Meter, Observation

from backflow.app.entrypoints.http.deps import deps
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.runtime.store_metrics import StoreMetrics

SCRAPE_REFRESH_SECONDS = 2.0
"""A scrape waits at most this long for fresh store figures, then renders the previous ones."""
routes = web.RouteTableDef()


@dataclass(frozen=True)
class MetricsPage:
    store: StoreMetrics
    render: Callable[[], tuple[bytes, str]]
    """Collects every instrument: the text exposition format and its content type."""


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    page = deps(request).metrics
    if page is None:
        raise web.HTTPNotFound()
    await page.store.refresh(SCRAPE_REFRESH_SECONDS)
    # Collection runs every callback synchronously; off the event loop, so intake never waits on it.
    body, content_type = await anyio.to_thread.run_sync(page.render)
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    return response


def observe_intake(meter: Meter, audit: IntakeAudit) -> None:
    def accepted(_: CallbackOptions) -> Iterable[Observation]:
        for (source, outcome), count in sorted(audit.deliveries.items()):
            yield Observation(count, {"source": source, "outcome": outcome})

    def refused(_: CallbackOptions) -> Iterable[Observation]:
        for (source, reason), count in sorted(audit.refusals.items()):
            yield Observation(count, {"source": source, "reason": reason})

    meter.create_observable_counter(
        "backflow.webhooks.accepted",
        [accepted],
        description="Deliveries the intake endpoints took (stored, or duplicate), since start.",
    )
    meter.create_observable_counter(
        "backflow.webhooks.refused",
        [refused],
        description="Deliveries the intake endpoints refused, by reason, since start.",
    )
