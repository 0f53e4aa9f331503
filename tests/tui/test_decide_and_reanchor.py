"""Deciding a refund mismatch and re-anchoring an orphan return from the TUI, against the real daemon.

The exceptions are raised by the daemon's own flow functions (tests/tui/seed_actions.py). This
daemon runs no refund or anchoring worker, so what an action queues stays in the outbox to be read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from textual.widgets import Input

from backflow.ports.decisions import Decision
from backflow.tui.app import BackflowApp
from backflow.tui.screens.exceptions import ExceptionsScreen
from backflow.tui.screens.form_modal import FormModal
from backflow.tui.widgets.exception_detail import ExceptionDetailPane
from tests.tui.conftest import TEST_TIMEOUT, LiveDaemon, until
from tests.tui.helpers import buttons, exception_events, open_exception, open_exceptions, plain
from tests.tui.seed_actions import raise_orphan_return, raise_refund_mismatch

pytestmark = pytest.mark.anyio


async def _answer(app: BackflowApp, pilot: Any, action_key: str, **fields: str) -> FormModal:
    """Open the action's modal with its key, fill the fields and confirm (ctrl+s)."""
    await pilot.press(action_key)
    modal: FormModal = await until(lambda: isinstance(app.screen, FormModal) and app.screen)
    for name, value in fields.items():
        modal.query_one(f"#field-{name}", Input).value = value
    await pilot.press("ctrl+s")
    await until(lambda: isinstance(app.screen, ExceptionsScreen))
    return modal


async def _refusal(app: BackflowApp, code: str) -> str:
    """The error notice the operator sees for a refused action (the daemon's message and code)."""
    found = await until(
        lambda: [n.message for n in app._notifications if n.severity == "error" and code in n.message]
    )
    return str(found[0])


async def _queued(app: BackflowApp, kind: str) -> int:
    """Rows of `kind` waiting in the outbox, as the admin API's overview counts them."""
    overview = await app.client.overview()
    return sum(q.due + q.scheduled for q in overview.queues if q.kind == kind)


async def _decision(live: LiveDaemon, eid: int) -> tuple[Decision, str, str | None] | None:
    assert live.daemon is not None
    async with live.daemon.wiring.store.unit_of_work() as uow:
        found = await uow.decisions.for_exception(eid)
    return None if found is None else (found.decision, found.actor, found.note)


def _eid(pane: ExceptionDetailPane) -> int:
    assert pane.detail is not None
    return pane.detail.exception.id


@asynccontextmanager
async def _opened(
    live: LiveDaemon, type_label: str
) -> AsyncIterator[tuple[BackflowApp, Any, ExceptionDetailPane]]:
    """The TUI on the live daemon, the exceptions screen open on the one of `type_label`."""
    app = live.app()
    with anyio.fail_after(TEST_TIMEOUT):
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_exceptions(app, pilot)
            yield app, pilot, await open_exception(screen, pilot, type_label)


async def test_approving_backflows_amount_is_confirmed_as_money_then_queues_the_refund(
    live: LiveDaemon,
) -> None:
    assert live.daemon is not None
    await raise_refund_mismatch(live.daemon, live.sims, number="CT-2001", rid="RB-2001")
    async with _opened(live, "refund mismatch") as (app, pilot, pane):
        # ReBound's 33.00 is 8.00 over Backflow's 25.00, beyond the 5.00 limit: not offered.
        assert buttons(pane) == ["do-ack", "do-retry", "do-approve_backflow", "do-reject", "do-resolve"]
        assert "over the 5.00 limit" in plain(pane.query_one("#detail-evidence"))
        eid = _eid(pane)

        modal = await _answer(app, pilot, "b", note="the order supports 25.00")
        assert modal.money and "Refund Backflow's recomputed amount 25.00 EUR" in modal.prompt
        await until(lambda: pane.detail is not None and pane.detail.exception.state == "resolved")
        assert buttons(pane) == [], "decided: nothing more to do"
        decided = pane.detail.exception if pane.detail else None
        assert decided is not None and "decided approve_backflow" in (decided.note or "")
        history = plain(pane.query_one("#detail-events"))
        assert "decided" in history and "the order supports 25.00" in history

        assert await _decision(live, eid) == (
            Decision.APPROVE_BACKFLOW,
            "alice",
            "the order supports 25.00",
        )
        assert await _queued(app, "IssueRefund") == 1, "the refund flow pays it, once"


async def test_an_over_limit_approval_is_refused_with_the_daemons_reason_then_rejected(
    live: LiveDaemon,
) -> None:
    """The flow allowed ReBound's amount under the 10.00 limit then in force; the daemon now has 5.00."""
    assert live.daemon is not None
    await raise_refund_mismatch(
        live.daemon, live.sims, number="CT-2002", rid="RB-2002", limit_when_raised="10.00"
    )
    async with _opened(live, "refund mismatch") as (app, pilot, pane):
        assert "do-approve_rebound" in buttons(pane)
        eid = _eid(pane)

        modal = await _answer(app, pilot, "w", note="goodwill")
        assert modal.money and "33.00 EUR" in modal.prompt
        refused = await _refusal(app, "over_limit")
        assert refused.startswith(f"Approve ReBound's amount #{eid} failed: ")
        reason = "differs from Backflow's by 8.00 EUR, more than the 5.00 EUR a person may approve"
        assert reason in refused and "(409 over_limit)" in refused
        await pilot.pause(0.2)
        assert pane.detail is not None and pane.detail.exception.state == "open"
        assert await _decision(live, eid) is None and await _queued(app, "IssueRefund") == 0

        await _answer(app, pilot, "x", note="customer kept the item")
        await until(lambda: pane.detail is not None and pane.detail.exception.state == "resolved")
        assert await _decision(live, eid) == (Decision.REJECT, "alice", "customer kept the item")
        assert await _queued(app, "RejectRefund") == 1, "ReBound is told the refund is rejected"
        assert await _queued(app, "IssueRefund") == 0, "no money moves"


async def test_reanchoring_an_orphan_return_to_a_typed_order_number(live: LiveDaemon) -> None:
    assert live.daemon is not None
    await raise_orphan_return(live.daemon, live.sims, number="CT-3001", rid="RB-3001")
    async with _opened(live, "orphan return") as (app, pilot, pane):
        assert buttons(pane) == ["do-ack", "do-retry", "do-reanchor", "do-resolve"]
        eid = _eid(pane)

        modal = await _answer(app, pilot, "o", order_number="CT-NOPE", note="from the customer")
        assert not modal.money
        refused = await _refusal(app, "order_not_found")
        assert refused == (
            f"Re-anchor #{eid} failed: commercetools has no order number CT-NOPE (409 order_not_found)"
        )
        assert [a for a, _, _ in await exception_events(live, eid)] == ["raised"]

        await _answer(app, pilot, "o", order_number="CT-3001", note="the customer's typo")
        await until(lambda: pane.detail is not None and pane.detail.exception.state == "acknowledged")
        assert buttons(pane) == ["do-retry", "do-reanchor", "do-resolve"]
        summary = "re-anchoring to order CT-3001: the customer's typo"
        assert ("reanchored", "alice", summary) in await exception_events(live, eid)
        assert (await app.client.return_detail("RB-3001")).case.client_order_id == "CT-3001"
        assert await _queued(app, "AnchorReturn") == 1, "anchoring runs again, to the new order"
