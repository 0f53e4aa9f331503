"""`backflow replay --since`: ReBound's event log into the inbox; the inbox skips what it already has,
and the inbox processor handles the rest like any webhook, so missed deliveries are repaired."""

from __future__ import annotations

from datetime import datetime

import msgspec

from app.core.context import FlowContext
from ports.inbox import InboundEvent, StoreOutcome

MAX_EVENTS = 1_000_000


class ReplayReport(msgspec.Struct, frozen=True, kw_only=True):
    seen: int
    stored: int
    duplicates: int


async def replay_events(ctx: FlowContext, since: datetime) -> ReplayReport:
    seen = stored = 0
    with ctx.tracer.start_as_current_span("replay", attributes={"since": since.isoformat()}):
        async for event in ctx.platform.events_since(since):
            seen += 1
            outcome = await ctx.inbox.store(
                InboundEvent(
                    source="rebound",
                    source_id=event.id,
                    kind=event.type,
                    received_at=ctx.clock.now(),
                    body=msgspec.json.encode(event),
                    headers={"replayed": "true"},
                )
            )
            stored += outcome is StoreOutcome.STORED
            if seen >= MAX_EVENTS:
                break
    return ReplayReport(seen=seen, stored=stored, duplicates=seen - stored)
