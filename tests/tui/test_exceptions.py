"""Exceptions against a real daemon: filters, the evidence, and every action the daemon offers."""

from __future__ import annotations

import re

import anyio
import pytest
from textual.widgets import Button, DataTable, Input, Label, Select

from backflow.tui.screens.exceptions import ExceptionsScreen
from backflow.tui.screens.form_modal import FormModal
from backflow.tui.widgets.exception_filters import FilterBar
from tests.tui.conftest import TEST_TIMEOUT, LiveDaemon, until
from tests.tui.helpers import buttons, column, exception_events, open_exception, open_exceptions, plain

pytestmark = pytest.mark.anyio


async def _filter(screen: ExceptionsScreen, **values: str) -> list[str]:
    for name, value in values.items():
        screen.query_one(f"#filter-{name}", Select).value = value
    wanted = screen.query_one(FilterBar).filters()
    await until(lambda: screen.shown == wanted)
    return column(screen.query_one(DataTable), 2)


async def test_filters_by_owner_type_state_age_and_order(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_exceptions(app, pilot)
            everything = column(screen.query_one(DataTable), 2)
            assert set(everything) >= {"refund mismatch", "orphan return", "restock failed", "dead letter"}
            assert everything[-1] == "refund mismatch", "newest first: the first raised is last"
            assert sorted(await _filter(screen, owner="finance")) == ["refund failed", "refund mismatch"]
            assert await _filter(screen, order="oldest") == ["refund mismatch", "refund failed"]
            assert await _filter(screen, owner="cx") == ["orphan return"]
            screen.query_one("#filter-owner", Select).clear()
            assert await _filter(screen, type="unmapped_reason_code") == ["unmapped reason code"]
            assert await _filter(screen, age="age >1d") == []
            assert await _filter(screen, age="age <1h") == ["unmapped reason code"]
            assert await _filter(screen, state="resolved") == []


async def test_refund_mismatch_evidence_acknowledge_and_resolve_with_a_note(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_exceptions(app, pilot)
            await _filter(screen, owner="finance")
            pane = await open_exception(screen, pilot, "refund mismatch")
            evidence = plain(pane.query_one("#detail-evidence"))
            for figure in (
                "line-tee",
                "21.00",
                "25.00",
                "+400",
                "shipping",
                "4.95",
                "29.95",
                "8.95",
            ):
                assert figure in evidence, figure
            # The facts read as label/value pairs in aligned columns, two to a row.
            assert re.search(r"^order +ct-order-1 +version +7 *$", evidence, re.M)
            assert re.search(r"^milestone +RECEIVED +outcome +ORIGINAL_PAYMENT *$", evidence, re.M)
            assert re.search(r"^tolerance +1 minor unit *$", evidence, re.M)
            assert "over the 5.00 limit" in evidence
            # The daemon offers acknowledge, decide and resolve (no retry: the evidence names none);
            # decide splits into Backflow's amount and reject, ReBound's being over the 5.00 limit.
            assert buttons(pane) == ["do-ack", "do-approve_backflow", "do-reject", "do-resolve"]
            assert not screen.check_action("act", ("approve_rebound",))
            assert screen.check_action("act", ("approve_backflow",))
            eid = pane.detail.exception.id if pane.detail else 0

            await pilot.press("a")
            await until(lambda: pane.detail is not None and pane.detail.exception.state == "acknowledged")
            assert buttons(pane) == ["do-approve_backflow", "do-reject", "do-resolve"]

            await pilot.press("v")
            modal = await until(lambda: isinstance(app.screen, FormModal) and app.screen)
            await pilot.press("enter")
            assert "Required" in str(modal.query_one("#form-error", Label).content), "a note is required"
            modal.query_one(Input).value = "paid by bank transfer"
            await pilot.press("enter")
            await until(lambda: pane.detail is not None and pane.detail.exception.state == "resolved")
            assert buttons(pane) == []
            assert await exception_events(seeded, eid) == [
                ("raised", None, None),
                ("acknowledged", "alice", None),
                ("resolved", "alice", "paid by bank transfer"),
            ]
            history = plain(pane.query_one("#detail-events"))
            assert "resolved" in history and "alice" in history


async def test_retrying_a_refund_needs_confirmation_and_escape_cancels(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_exceptions(app, pilot)
            pane = await open_exception(screen, pilot, "refund failed")
            assert buttons(pane) == ["do-ack", "do-retry", "do-resolve"]
            assert pane.query_one("#do-retry", Button).variant == "warning", "moves money"
            eid = pane.detail.exception.id if pane.detail else 0

            await pilot.press("y")
            modal = await until(lambda: isinstance(app.screen, FormModal) and app.screen)
            assert modal.has_class("-money") and "moves money" in str(
                modal.query_one("#form-warning", Label).content
            )
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, ExceptionsScreen))
            await anyio.sleep(0.3)
            events = await exception_events(seeded, eid)
            assert [a for a, _, _ in events] == ["raised"], "cancelled: nothing queued"

            await pilot.press("y")
            await until(lambda: isinstance(app.screen, FormModal))
            await pilot.press(*"payment restored", "enter")
            await until(lambda: isinstance(app.screen, ExceptionsScreen))
            retried = await _until_events(seeded, eid, "retried")
            assert ("retried", "alice", "payment restored") in retried


async def test_a_non_money_retry_and_the_footer_offers_only_allowed_actions(seeded: LiveDaemon) -> None:
    app = seeded.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_exceptions(app, pilot)
            pane = await open_exception(screen, pilot, "restock failed")
            assert screen.check_action("act", ("retry",)) and not screen.check_action(
                "act", ("approve_backflow",)
            )
            assert not screen.check_action("act", ("reanchor",))
            await pilot.click("#do-retry")
            modal = await until(lambda: isinstance(app.screen, FormModal) and app.screen)
            assert not modal.has_class("-money")
            await pilot.click("#confirm")
            eid = pane.detail.exception.id if pane.detail else 0
            assert [a for a, _, _ in await _until_events(seeded, eid, "retried")] == ["raised", "retried"]
            await pilot.press("x")  # reject: not offered here, so nothing opens
            await pilot.pause()
            assert isinstance(app.screen, ExceptionsScreen)


async def _until_events(live: LiveDaemon, eid: int, action: str) -> list[tuple[str, str | None, str | None]]:
    with anyio.fail_after(10):
        while True:
            events = await exception_events(live, eid)
            if any(a == action for a, _, _ in events):
                return events
            await anyio.sleep(0.05)
