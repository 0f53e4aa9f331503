"""Returns and dead letters against a real daemon: search, timeline, states, ledger; inspect, requeue."""

from __future__ import annotations

import anyio
import pytest
from textual.widgets import DataTable, Input, TabbedContent

from backflow.tui.screens.dead_letters import DeadLettersScreen
from backflow.tui.screens.form_modal import FormModal
from backflow.tui.screens.returns import ReturnsScreen
from tests.tui.conftest import TEST_TIMEOUT, LiveDaemon, until
from tests.tui.helpers import plain

pytestmark = pytest.mark.anyio


async def test_search_a_return_and_read_its_timeline_states_and_ledger(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.press("3")
            screen = await until(lambda: isinstance(app.screen, ReturnsScreen) and app.screen)
            table = screen.query_one(DataTable)
            for query in ("CT-77", "SOCK", "RB-9"):  # by order number, by SKU, by return id
                await pilot.press("slash")
                screen.query_one(Input).value = ""
                await pilot.press(*query, "enter")
                await until(lambda q=query: table.border_title == f"Returns matching {q!r} (1)")
                assert [str(k.value) for k in table.rows] == ["RB-9"], query
            await until(lambda: screen.return_id == "RB-9")
            timeline = plain(screen.query_one("#return-timeline"))
            for entry in ("event return_order.created", "addReturnInfo", "refund compared", "exception"):
                assert entry in timeline, entry
            await pilot.press("escape", "s")
            await until(lambda: screen.query_one(TabbedContent).active == "states")
            states = plain(screen.query_one("#return-states"))
            assert "ANCHORED" in states and "GRADED" in states and "ct-order-1" in states
            assert "1/1 NEW SELLABLE" in states and "Returned (restock planned) / Initial" in states
            await pilot.press("g")
            ledger = plain(screen.query_one("#return-ledger"))
            assert "refund-RB-9" in ledger and "12.50 EUR" in ledger and "restock-RB-9-i1" in ledger
            assert "disposition" in ledger and "SELLABLE" in ledger, "where grading sent the units"
            assert "posted" in ledger


async def test_a_search_with_no_match_says_so(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("3", "slash", *"NOPE", "enter")
            await until(lambda: any("No return matches" in str(n.message) for n in app._notifications))
            assert app.screen.query_one(DataTable).row_count == 0
            assert app.screen.query_one(Input).value == "NOPE"


async def test_inspect_and_requeue_a_dead_letter(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.press("4")
            screen = await until(lambda: isinstance(app.screen, DeadLettersScreen) and app.screen)
            table = screen.query_one(DataTable)
            await until(lambda: table.row_count == 1)
            assert not screen.check_action("requeue", ()), "nothing selected yet"
            await pilot.press("enter")
            await until(lambda: screen.detail is not None)
            info = plain(screen.query_one("#dead-info"))
            assert "RB-DEAD" in info and "ReBound answered 500" in info and "ack-RB-DEAD" in info
            assert "pending" in info and "leased" in info and "dead" in info, "the history"

            seeded.handler.fail = False
            await pilot.press("e")
            await until(lambda: isinstance(app.screen, FormModal))
            await pilot.press("ctrl+s")
            await until(lambda: "ack-RB-DEAD" in seeded.handler.done)
            await until(lambda: table.row_count == 0)
            assert screen.detail is None
