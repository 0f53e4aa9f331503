"""`backflow replay --since`: ReBound's event log into the inbox; the inbox skips what it already has,
and the inbox processor handles the rest like any webhook, so missed deliveries are repaired."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backflow.app.core.deps import StoreDeps
from backflow.ports.inbox import InboundEvent, Inbox, StoreOutcome
from backflow.ports.returns_platform import ReturnsPlatformPort

MAX_EVENTS = 1_000_000


class ReplayReport(msgspec.Struct, frozen=True, kw_only=True):
    seen: int
    stored: int
    duplicates: int


async def replay_rebound_events(
    since: datetime, *, store: StoreDeps, platform: ReturnsPlatformPort, inbox: Inbox
) -> ReplayReport:
    seen = stored = 0
    with store.tracer.start_as_current_span("replay", attributes={"since": since.isoformat()}):
        async for event in platform.events_since(since):
            seen += 1
            outcome = await inbox.store(
                InboundEvent(
                    source="rebound",
                    source_id=event.id,
                    kind=event.type,
                    received_at=store.clock.now(),
                    body=msgspec.json.encode(event),
                    headers={"replayed": "true"},
                )
            )
            stored += outcome is StoreOutcome.STORED
            if seen >= MAX_EVENTS:
                break
    return ReplayReport(seen=seen, stored=stored, duplicates=seen - stored)
