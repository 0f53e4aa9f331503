"""The metrics' one read of the store: outbox by kind, inbox by source, empty ledgers."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest

from backflow.ports.inbox import InboundEvent
from backflow.ports.metrics import InboxFigure, OutboxFigure
from backflow.ports.outbox import RetryPolicy
from tests.integration.store.support import FakeClock, OpenStore, message

pytestmark = pytest.mark.anyio


async def test_figures_group_queues_by_kind_and_source(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock, policy=RetryPolicy(max_attempts=1)) as store:
            for n in range(3):
                await store.outbox.append(message(f"r{n}", kind="refund"))
            await store.outbox.append(message("s0", kind="restock"))
            await store.inbox.store(
                InboundEvent(source="rebound", source_id="e1", kind="x", received_at=clock.now(), body=b"{}")
            )
            clock.advance(40)
            rows = await store.outbox.claim("w", limit=2, lease_seconds=30, kinds=["refund"])
            await store.outbox.fail(rows[0].id, "w", "payment gone")
            figures = await store.figures.figures(synced_after=clock.now() - timedelta(days=1))
            assert figures.outbox == [
                OutboxFigure(
                    kind="refund", pending=1, leased=1, dead=1, oldest_due_age_seconds=pytest.approx(40)
                ),
                OutboxFigure(
                    kind="restock", pending=1, leased=0, dead=0, oldest_due_age_seconds=pytest.approx(40)
                ),
            ]
            assert figures.inbox == [
                InboxFigure(
                    source="rebound", pending=1, failed=0, oldest_pending_age_seconds=pytest.approx(40)
                )
            ]
            assert (figures.exceptions, figures.refunds, figures.restocked_units) == ([], [], 0)
            assert (figures.order_sync, figures.sync_lags, figures.last_synced_at) == ({}, [], None)
