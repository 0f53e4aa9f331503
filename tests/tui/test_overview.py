"""Overview against a real daemon: every panel shows the daemon's numbers and follows them live."""

from __future__ import annotations

import aiohttp
import anyio
import pytest

from backflow.ports.exceptions import NewException, Severity
from backflow.tui.messages import OverviewFetched
from backflow.tui.widgets.facts import Facts
from backflow.tui.widgets.queue_table import QueueTable
from backflow.tui.widgets.trend import Trend
from tests.rebound_support import envelope, signed_headers
from tests.tui.conftest import TEST_TIMEOUT, LiveDaemon, until
from tests.tui.helpers import plain

pytestmark = pytest.mark.anyio


async def test_overview_shows_the_daemon_and_updates_live(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            await until(lambda: app.overview is not None and app.link.status == "connected")
            screen = app.screen
            await until(lambda: "unresolved" in plain(screen.query_one("#exceptions-by-owner", Facts)))
            owners = plain(screen.query_one("#exceptions-by-owner", Facts))
            finance, cx, operations, merchandising = owners.splitlines()[:4]
            assert finance.split() == ["finance", "2", "unresolved", "(2", "open)"], owners
            assert cx.split()[:2] == ["cx", "1"] and merchandising.split()[:2] == ["merchandising", "1"]
            assert operations.split()[:2] == ["operations", "2"], "restock failed and the dead letter"
            assert "12.50 EUR" in plain(screen.query_one("#liability", Facts))
            apis = plain(screen.query_one("#apis", Facts))
            assert "commercetools" in apis and "rebound" in apis
            actors = plain(screen.query_one("#actors", Facts))
            assert "outbox-relay" in actors and "running" in actors
            assert "lag p95" in plain(screen.query_one("#order-sync", Facts))
            queues = plain(screen.query_one(QueueTable))
            assert queues.startswith("ack") and queues.split(" | ")[-1] == "1", "the dead ack row"

            # Live: a new exception shows within a couple of ticks, and the sparklines grow.
            samples = len(app.history.throughput)
            assert seeded.daemon is not None
            async with seeded.daemon.wiring.store.unit_of_work() as uow:
                uow.exceptions.raise_exception(
                    NewException(
                        type="stock_drift", owner="operations", severity=Severity.WARNING, dedupe_key="d"
                    )
                )
                await uow.commit()
            await until(
                lambda: (
                    "3 unresolved" in plain(screen.query_one("#exceptions-by-owner", Facts)).splitlines()[2]
                )
            )
            assert len(app.history.throughput) > samples
            assert screen.query_one("#trend-throughput", Trend).query_one("Sparkline").data  # type: ignore[attr-defined]
            await pilot.pause()


async def test_overview_shows_refused_intake_requests_by_reason(live: LiveDaemon) -> None:
    body = envelope("01TUIREFUSED")
    app = live.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with aiohttp.ClientSession() as http:
            for headers in (signed_headers(body, ("not-our-secret",)), {}, {}):
                async with http.post(f"{live.url}/webhooks/rebound", data=body, headers=headers) as r:
                    assert r.status == 401
        async with app.run_test(size=(160, 48)) as pilot:
            await until(lambda: "refused" in plain(app.screen.query_one("#order-sync", Facts)))
            sync = plain(app.screen.query_one("#order-sync", Facts))
            assert "3 (signature_missing 2, signature_mismatch 1)" in sync, sync
            assert "conflicts" not in sync
            await pilot.pause()


def test_overview_ticks_coalesce() -> None:
    """Only the newest overview waiting in a queue matters: a newer one replaces it."""
    older, newer = OverviewFetched(object()), OverviewFetched(object())  # type: ignore[arg-type]
    assert newer.can_replace(older)
