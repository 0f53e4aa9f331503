"""Decide and re-anchor against the agreed contract (the daemon's endpoints have not landed yet).

A stand-in admin API serves a refund mismatch offering `decide` and an orphan return offering
`reanchor`, and records the bodies the TUI posts. Replace with real-daemon tests when they land.
"""

from __future__ import annotations

import copy
from typing import Any

import anyio
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from textual.widgets import Button, DataTable, Input

from tests.tui.canned import EXCEPTION_DETAIL, EXCEPTIONS
from tests.tui.conftest import TEST_TIMEOUT, until
from tui.app import make_app
from tui.config import ClientConfig
from tui.screens.exceptions import ExceptionsScreen
from tui.screens.form_modal import FormModal
from tui.widgets.exception_detail import ExceptionDetailPane

pytestmark = pytest.mark.anyio


def _contract_api(posted: list[tuple[str, Any]]) -> web.Application:
    mismatch = copy.deepcopy(EXCEPTIONS[0]) | {"actions": ["ack", "decide", "resolve"]}
    orphan = copy.deepcopy(EXCEPTIONS[1]) | {"actions": ["ack", "reanchor", "resolve"]}
    by_id = {7: mismatch, 6: orphan}

    async def listing(request: web.Request) -> web.Response:
        return web.json_response({"items": [mismatch, orphan], "count": 2})

    async def detail(request: web.Request) -> web.Response:
        return web.json_response(
            {"exception": by_id[int(request.match_info["id"])], "events": EXCEPTION_DETAIL["events"]}
        )

    async def act(request: web.Request) -> web.Response:
        posted.append((request.path, await request.json()))
        return web.json_response(by_id[int(request.match_info["id"])])

    async def overview(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": {"code": "unavailable", "message": "not part of this test"}}, status=503
        )

    app = web.Application()
    app.router.add_get("/api/overview", overview)
    app.router.add_get("/api/exceptions", listing)
    app.router.add_get("/api/exceptions/{id}", detail)
    app.router.add_post("/api/exceptions/{id}/decide", act)
    app.router.add_post("/api/exceptions/{id}/reanchor", act)
    return app


async def test_decisions_and_reanchor_post_the_contract_bodies() -> None:
    posted: list[tuple[str, Any]] = []
    server = TestServer(_contract_api(posted), host="127.0.0.1")
    await server.start_server()
    try:
        app = make_app(ClientConfig(url=str(server.make_url("")).rstrip("/"), token="t"), live=False)
        with anyio.fail_after(TEST_TIMEOUT):
            async with app.run_test(size=(160, 48)) as pilot:
                await pilot.press("2")
                screen = await until(lambda: isinstance(app.screen, ExceptionsScreen) and app.screen)
                await until(lambda: screen.query_one(DataTable).row_count == 2)
                await pilot.press("enter")
                pane = screen.query_one(ExceptionDetailPane)
                await until(lambda: pane.detail is not None)
                await pilot.pause()
                ids = [b.id for b in pane.query(Button)]
                assert ids == ["do-ack", "do-approve_backflow", "do-reject", "do-resolve"], (
                    "ReBound's is over the limit"
                )
                assert not screen.check_action("act", ("approve_rebound",))

                await pilot.press("b")
                modal = await until(lambda: isinstance(app.screen, FormModal) and app.screen)
                assert modal.money and "21.00 EUR" in str(modal.prompt)
                await pilot.press(*"recomputed from v7", "enter")
                await until(lambda: len(posted) == 1)
                assert posted[0] == (
                    "/api/exceptions/7/decide",
                    {"decision": "approve_backflow", "note": "recomputed from v7"},
                )

                await pilot.press("x", *"customer kept the item", "enter")
                await until(lambda: len(posted) == 2)
                assert posted[1][1] == {"decision": "reject", "note": "customer kept the item"}

                table = screen.query_one(DataTable)
                table.focus()
                table.move_cursor(row=1)
                await pilot.press("enter")
                await until(lambda: pane.detail is not None and pane.detail.exception.id == 6)
                await pilot.press("o")
                modal = await until(lambda: isinstance(app.screen, FormModal) and app.screen)
                assert not modal.money
                modal.query_one("#field-order_number", Input).value = "CT-1001"
                modal.query_one("#field-note", Input).value = "customer gave the wrong number"
                await pilot.press("ctrl+s")
                await until(lambda: len(posted) == 3)
                assert posted[2] == (
                    "/api/exceptions/6/reanchor",
                    {"order_number": "CT-1001", "note": "customer gave the wrong number"},
                )
    finally:
        await server.close()
