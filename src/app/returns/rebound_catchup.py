"""Scheduled: returns ReBound changed since the watermark go into the inbox (source `rebound-catchup`),
so a missed webhook is repaired by the same intake; the inbox dedupes by `{returnId}@{timestamp}`."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from app.core.context import FlowContext
from app.returns.intake import CATCHUP_SOURCE
from ports.inbox import InboundEvent

WATERMARK = "rebound.catchup"
MAX_RETURNS = 10_000  # per run


async def rebound_catchup(ctx: FlowContext) -> None:
    schedule = ctx.settings.file.schedule
    raw = await ctx.watermarks.get(WATERMARK)
    since = (
        msgspec.json.decode(raw, type=datetime) - timedelta(seconds=schedule.rebound_catchup_overlap_seconds)
        if raw
        else ctx.clock.now() - timedelta(seconds=schedule.rebound_catchup_lookback_seconds)
    )
    high: datetime | None = None
    seen = 0
    with ctx.tracer.start_as_current_span("job.rebound_catchup"):
        async for snapshot in ctx.platform.returns_changed_since(since):
            stamp = snapshot.order.timestamp
            await ctx.inbox.store(
                InboundEvent(
                    source=CATCHUP_SOURCE,
                    source_id=f"{snapshot.return_id}@{stamp.isoformat()}",
                    kind=f"snapshot {snapshot.order.status}",
                    received_at=ctx.clock.now(),
                    body=msgspec.json.encode(snapshot),
                )
            )
            high = stamp if high is None else max(high, stamp)
            seen += 1
            if seen >= MAX_RETURNS:
                break
    if high is not None:  # ReBound's own clock: the next run asks relative to what it said
        await ctx.watermarks.set(WATERMARK, msgspec.json.encode(high))
