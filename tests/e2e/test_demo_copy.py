"""Issue 18's "Done when": the demo's database, copied to PostgreSQL with `backflow store copy`, gives
every report, in every format, byte for byte as SQLite did (a short demo day; the full one is
recorded in docs/stores.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.demo.copy_round_trip import FORMATS, copy_and_compare
from backflow.devtools.demo.run import DemoOptions, run_demo
from backflow.devtools.stack.layout import Layout

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]


async def test_the_demo_database_copied_to_postgresql_gives_identical_reports(
    tmp_path: Path, postgres_empty_dsn: str
) -> None:
    said: list[str] = []
    plan = DayPlan(orders=80, returns=24, drive_seconds=4.0, seed=12)
    options = DemoOptions(var=tmp_path / "var", plan=plan, time_budget=45.0, keep=False, orphan_horizon=3)
    layout = Layout(tmp_path / "var")
    with anyio.fail_after(150):
        result = await run_demo(options, said.append)
        assert result.settled and result.disagreements == [], said
        trip = await copy_and_compare(layout.db, layout.config, postgres_empty_dsn, datetime.now(UTC))
    assert "the row counts of both agree" in trip.copy_output
    copied = dict(re.findall(r"^(\w+)\s+(\d+)$", trip.copy_output, re.M))
    assert int(copied["refunds"]) > 0 and int(copied["return_cases"]) >= 24 and int(copied["inbox"]) > 0
    every = {f"{kind} --format {form}" for kind, forms in FORMATS.items() for form in forms}
    assert set(trip.digests) == every
    assert trip.identical, trip.lines()
    assert trip.sizes["reconciliation --format json"] > 1000, "a report with the day's figures in it"
