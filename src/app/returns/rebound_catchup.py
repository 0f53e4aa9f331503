"""Scheduled: returns ReBound changed since the watermark go into the inbox (source `rebound-catchup`),
so a missed webhook is repaired by the same intake; the inbox dedupes by `{returnId}@{timestamp}`."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from backflow.app.core.deps import StoreDeps
from backflow.app.core.policies import CatchupPolicy
from backflow.app.returns.intake import CATCHUP_SOURCE
from backflow.ports.inbox import InboundEvent, Inbox
from backflow.ports.returns_platform import ReturnsPlatformPort
from backflow.ports.watermarks import Watermarks

WATERMARK = "rebound.catchup"
MAX_RETURNS = 10_000  # per run


async def rebound_catchup(
    *,
    store: StoreDeps,
    platform: ReturnsPlatformPort,
    inbox: Inbox,
    watermarks: Watermarks,
    catchup_policy: CatchupPolicy,
) -> None:
    raw = await watermarks.get(WATERMARK)
    since = (
        msgspec.json.decode(raw, type=datetime) - timedelta(seconds=catchup_policy.overlap_seconds)
        if raw
        else store.clock.now() - timedelta(seconds=catchup_policy.lookback_seconds)
    )
    high: datetime | None = None
    seen = 0
    with store.tracer.start_as_current_span("job.rebound_catchup"):
        async for snapshot in platform.returns_changed_since(since):
            stamp = snapshot.order.timestamp
            await inbox.store(
                InboundEvent(
                    source=CATCHUP_SOURCE,
                    source_id=f"{snapshot.return_id}@{stamp.isoformat()}",
                    kind=f"snapshot {snapshot.order.status}",
                    received_at=store.clock.now(),
                    body=msgspec.json.encode(snapshot),
                )
            )
            high = stamp if high is None else max(high, stamp)
            seen += 1
            if seen >= MAX_RETURNS:
                break
    if high is not None:  # ReBound's own clock: the next run asks relative to what it said
        await watermarks.set(WATERMARK, msgspec.json.encode(high))
