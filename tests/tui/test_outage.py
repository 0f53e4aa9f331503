"""The TUI survives the daemon going away: it says so, keeps retrying with backoff, and recovers."""

from __future__ import annotations

import anyio
import pytest

from backflow.tui.app import make_app
from backflow.tui.config import ClientConfig
from backflow.tui.screens.exceptions import ExceptionsScreen
from backflow.tui.widgets.status_bar import StatusBar
from tests.tui.conftest import TEST_TIMEOUT, LiveDaemon, until
from tests.tui.helpers import plain

pytestmark = pytest.mark.anyio


async def test_the_daemon_goes_away_and_comes_back(live: LiveDaemon) -> None:
    app = live.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(80, 24)) as pilot:
            status = app.screen.query_one(StatusBar)
            await until(lambda: app.link.status == "connected")
            assert "connected to" in plain(status)

            await live.stop()
            await until(lambda: app.link.status == "unreachable")
            await until(lambda: "daemon unreachable" in plain(status))
            assert "retrying in" in plain(status)
            await pilot.press("2")  # screens still work (their loads fail politely)
            await until(lambda: isinstance(app.screen, ExceptionsScreen))
            await anyio.sleep(1.0)  # several failed ticks, with backoff
            assert app.backoff.failures >= 2 and app.is_running

            await live.start()
            await until(lambda: app.link.status == "connected")
            assert "connected to" in plain(app.screen.query_one(StatusBar))
            assert app.overview is not None


async def test_a_wrong_token_is_reported_not_fatal(live: LiveDaemon) -> None:
    app = make_app(ClientConfig(url=live.url, token="wrong"), poll_seconds=0.2)
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(80, 24)):
            await until(lambda: app.link.status == "refused")
            assert "valid bearer token" in plain(app.screen.query_one(StatusBar))
