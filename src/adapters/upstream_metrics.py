"""Upstream calls as metrics: one duration histogram by API, method, route template and status.

The route is a template, never a path: every segment that is not a known resource word becomes
`{id}` (or `name={value}` for commercetools' `key=...` and `order-number=...` addressing), so the
label's values stay a short, fixed list whatever ids the calls carry.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry.metrics import MeterProvider, NoOpMeterProvider

# The resource words of both APIs' paths (commercetools' and ReBound's); anything else is an id.
STATIC_SEGMENTS = frozenset(
    {
        "orders",
        "payments",
        "inventory",
        "types",
        "messages",
        "subscriptions",
        "channels",
        "v2",
        "sales-orders",
        "return-orders",
        "events",
        "acknowledgements",
        "tracking",
        "shipments",
        "oauth",
        "token",
    }
)
_ADDRESSED = re.compile(r"^([a-z][a-z-]{0,30})=")
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def route_template(path: str) -> str:
    """`/orders/8d1c…` → `/orders/{id}`; `/orders/order-number=A-1` → `/orders/order-number={value}`."""
    parts = []
    for segment in path.split("?", 1)[0].strip("/").split("/"):
        if not segment or segment in STATIC_SEGMENTS:
            parts.append(segment)
        elif addressed := _ADDRESSED.match(segment):
            parts.append(f"{addressed.group(1)}={{value}}")
        else:
            parts.append("{id}")
    return "/" + "/".join(parts)


class UpstreamCalls:
    """Times each HTTP exchange with one upstream API; `status` is the HTTP status or the error's name."""

    def __init__(self, api: str, meter_provider: MeterProvider | None) -> None:
        self._api = api
        meter = (meter_provider or NoOpMeterProvider()).get_meter("backflow.upstream")
        self._duration = meter.create_histogram(
            "backflow.upstream.request.duration",
            unit="s",
            description="Duration of each HTTP exchange with an upstream API (every attempt of a retry).",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )

    @contextmanager
    def timed(self, method: str, path: str) -> Iterator[dict[str, str]]:
        """Yields the attributes; the caller sets `status` once it knows it (else the error's name)."""
        attributes = {"api": self._api, "method": method, "route": route_template(path), "status": ""}
        began = time.perf_counter()
        try:
            yield attributes
        except BaseException as error:
            attributes["status"] = attributes["status"] or type(error).__name__
            raise
        finally:
            self._duration.record(time.perf_counter() - began, attributes)
