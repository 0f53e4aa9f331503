"""A short `backflow demo --no-keep` (the same code path, smaller numbers), its figures checked
against the simulators' own state; and the CLI's stop command touching only recorded PIDs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
import pytest

from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.demo.run import DemoOptions, run_demo
from backflow.devtools.stack import processes
from backflow.domain.money import Money

pytestmark = pytest.mark.anyio


async def test_a_short_demo_reports_what_the_simulators_hold(tmp_path: Path) -> None:
    said: list[str] = []
    # A seed whose 60 returns draw each failure case asserted below. ReBound's simulator draws the fate
    # of its n-th booking from streams seeded by n, so the cases no longer depend on how many orders it
    # holds when it books (seed 12 once drew no return for an unknown order because order sync kept up):
    # seed 5 gives 5 returns for unknown orders and 7 stale refund proposals among the 60.
    plan = DayPlan(orders=200, returns=60, drive_seconds=6.0, seed=5)
    options = DemoOptions(var=tmp_path / "var", plan=plan, time_budget=50.0, keep=False, orphan_horizon=4)
    with anyio.fail_after(60):
        result = await run_demo(options, said.append)
    f, ct = result.figures, result.commercetools
    assert result.settled and result.elapsed < 50, said
    assert result.disagreements == [], result.summary
    # The summary's money and stock are commercetools' own figures.
    assert ct.refund_transactions == len(f.refund_interactions) == sum(f.refunds.values()) > 0
    assert ct.refunded_minor == {c: m for c, m in f.refunded_minor.items() if m}
    assert ct.repeated_interactions == []
    assert ct.units_added == sum(f.restocked_units.values()) > 0
    # Every order placed was synced, every return ReBound booked reached Backflow.
    assert f.orders_synced == 200 and f.returns >= 60
    assert f.lag_p50 is not None and f.lag_max is not None and f.lag_p50 <= f.lag_max
    # The design's failure cases showed up, with the owners the design gives them.
    kinds = {kind: owner for owner, kind in f.exceptions}
    assert kinds["orphan_return"] == "cx" and kinds["refund_mismatch"] == "finance"
    assert kinds["unmapped_reason_code"] == "merchandising"
    assert f.ignored_events > 0, "out-of-order deliveries were recorded and ignored"
    late = [number for number in f.anchored_orders if number.startswith("LATE-")]
    assert len(late) == plan.late_orders, "returns booked before their order were anchored once it came"
    assert "Backflow demo: the busy day in figures" in result.summary
    # The day's reconciliation report is written as finance would run it, and carries the same money.
    assert result.report is not None and result.report.parent == tmp_path / "var"
    page = result.report.read_text()
    assert page.lstrip().lower().startswith("<!doctype html")
    for currency, minor in ct.refunded_minor.items():
        assert Money.minor(minor, currency).to_decimal_string() in page.replace(",", ""), currency
    # --no-keep: every process it started is gone, and no PID file is left to stop.
    assert not (tmp_path / "var" / "demo.pids").exists()


def test_demo_stop_signals_only_the_recorded_processes(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    recorded = processes.spawn("rebound-sim", ["sim", "rebound", "--port", "0"], {}, var / "a.log")
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        processes.record(var / "demo.pids", [recorded, processes.Child("not-ours", bystander.pid)])
        done = subprocess.run(
            [*processes.BACKFLOW, "demo", "--stop", "--var", str(var)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "rebound-sim" in done.stdout and not processes.alive(recorded.pid)
        assert bystander.poll() is None, "a PID whose command line is not a demo's is left alone"
        assert not (var / "demo.pids").exists()
    finally:
        bystander.kill()
        bystander.wait()
