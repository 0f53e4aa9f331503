"""The reconciliation reads only what its period names (`gather`), and is the same report as one built
from every case and every status change ever recorded, for periods before, around and between two
months of returns three days apart."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import anyio
import pytest

from backflow.app.reports.period import Period
from backflow.app.reports.reconciliation import Ledgers, build, gather
from backflow.ports.reports import ReportSource
from tests.integration.flows.conftest import World
from tests.integration.flows.test_reports import _month


async def _everything(source: ReportSource, period: Period, now: datetime) -> Ledgers:
    """What `gather` read before it was bounded: every case and every status change up to the end."""
    end = period.end
    return Ledgers(
        cases=await source.return_cases(created_before=end),
        history=await source.status_history(until=end),
        refunds=await source.refunds(until=end),
        credits=await source.credit_history(until=end),
        movements=await source.stock_movements(since=period.start, until=end),
        write_offs=await source.write_offs(since=period.start, until=end),
        exceptions=await source.exceptions(until=end),
        decisions=await source.decisions(until=max(now, end)),
    )


@pytest.mark.anyio
async def test_a_bounded_period_gives_the_report_of_the_whole_history(world: World) -> None:
    with anyio.fail_after(120):
        first_day = world.clock.now().date()
        await _month(world)
        world.clock.advance(3 * 86_400)
        await _month(world, stock=False)
        now = world.clock.now()
        source = world.wiring.reports
        assert source is not None

        def days(first: int, last: int) -> Period:
            day = date.fromordinal(first_day.toordinal())
            return Period(first_day=day + timedelta(days=first), last_day=day + timedelta(days=last))

        for period in (days(0, 0), days(3, 3), days(-1, 4), days(1, 2), days(-5, -1)):
            bounded = build(await gather(source, period, now), period, world.wiring.settings, now)
            whole = build(await _everything(source, period, now), period, world.wiring.settings, now)
            assert bounded == whole, period
        assert len((await gather(source, days(3, 3), now)).cases) == 7, "the second month's cases only"
