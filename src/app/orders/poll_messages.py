"""Scheduled: the commercetools Messages API poller, its cursor persisted in the watermarks."""

from __future__ import annotations

import msgspec

from backflow.app.core.deps import StoreDeps
from backflow.app.orders.commerce_events import ORDER_MESSAGE_TYPES
from backflow.ports.commerce import CommercePort
from backflow.ports.commerce_types import MessageCursor
from backflow.ports.inbox import InboundEvent, Inbox
from backflow.ports.watermarks import Watermarks

CURSOR = "commercetools.messages"
MAX_PAGES = 20  # per run; the next run carries on from the cursor


async def poll_commerce_messages(
    *, store: StoreDeps, commerce: CommercePort, inbox: Inbox, watermarks: Watermarks
) -> None:
    raw = await watermarks.get(CURSOR)
    cursor = msgspec.json.decode(raw, type=MessageCursor) if raw else None
    with store.tracer.start_as_current_span("job.poll_commerce_messages"):
        for _ in range(MAX_PAGES):
            page = await commerce.poll_messages(cursor, ORDER_MESSAGE_TYPES)
            for message in page.messages:
                await inbox.store(
                    InboundEvent(
                        source="commercetools",
                        source_id=message.id,
                        kind=message.type,
                        received_at=store.clock.now(),
                        body=message.body,
                    )
                )
            if page.cursor is not None and page.cursor != cursor:
                cursor = page.cursor
                await watermarks.set(CURSOR, msgspec.json.encode(cursor))  # after the inbox has them
            if not page.messages:
                return
