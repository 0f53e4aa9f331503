"""The reconciliation and reasons reports against an independent count of the ledger rows (SQL on the
database file) and the simulators' state; the HTML report rendered in headless Chromium shows the
same figures as the JSON export."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

from backflow.app.core.messages import outbox_message
from backflow.app.entrypoints.cli import main as cli_main
from backflow.app.refunds.decide import decide_refund
from backflow.app.reports.period import Period
from backflow.app.reports.reconciliation import build, gather
from backflow.app.reports.render_text import render_csv, render_json
from backflow.domain.commands import SyncOrder
from tests.integration.flows.conftest import World, item
from tests.integration.flows.support import (
    drain,
    exceptions,
    order_number,
    run_use_case,
    settle,
    store_rebound_events,
)

RECEIVED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]
REFUND = {"event": "refund", "milestone": "HUB_RECEIVED"}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def _month(world: World, *, stock: bool = True) -> dict[str, str]:
    """Seven returns: paid, store credit, rejected, approved, owed, cancelled, damaged (written off).
    `stock=False` when the inventory entry already exists (a second batch)."""
    channel = world.wiring.settings.file.policies.supply_channel_id
    if stock:
        await world.ct.create_inventory("TEE-M", 10, channel)
    rids: dict[str, str] = {}

    async def returned(
        name: str, lines: list[tuple[str, int, int]], steps: list[dict[str, Any]], n: int = 1, grade: str = ""
    ) -> None:
        order = await world.order(lines, number=order_number())
        if grade:
            graded = {"event": "items_graded", "grades": {order["lineItems"][0]["id"]: ["D", grade]}}
            steps = [*steps, graded]
        await world.wiring.outbox.append(outbox_message(SyncOrder(order_id=order["id"]), f"sync-{name}"))
        rid, bodies = world.script(order, [item(order, quantity=n)], steps)
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        rids[name] = rid

    line = "TEE-M"
    await returned("paid", [(line, 2, 3500)], [*RECEIVED, {"event": "items_graded"}, REFUND], n=2)
    await returned("credit", [("CAP", 1, 1500)], [*RECEIVED, {**REFUND, "outcome": "STORE_CREDIT"}])
    await returned("rejected", [("CAP", 1, 1500)], [*RECEIVED, {**REFUND, "stale": True}])
    await returned("approved", [("SCARF", 1, 2000)], [*RECEIVED, {**REFUND, "stale": True}])
    await returned("owed", [("SOCKS", 3, 500)], RECEIVED, n=3)
    await returned("cancelled", [("CAP", 1, 1500)], [{"event": "created"}, {"event": "cancelled"}])
    await returned("damaged", [("BAG", 1, 4000)], RECEIVED, grade="DAMAGED")
    for mismatch in await exceptions(world.wiring, "refund_mismatch"):
        decision = "reject" if mismatch.return_id == rids["rejected"] else "approve_backflow"
        await run_use_case(
            world.wiring, decide_refund, mismatch.id, decision, actor="fiona", note="month-end"
        )
    assert await drain(world.wiring, world.registry) == []
    return rids


def _count(db: Path, sql: str) -> Any:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchone()


@pytest.mark.anyio
async def test_the_reconciliation_matches_the_ledger_and_both_simulators(
    world: World, tmp_path: Path
) -> None:
    with anyio.fail_after(60):
        rids = await _month(world)
        now = world.clock.now()
        period = Period(first_day=(now - timedelta(days=1)).date(), last_day=(now + timedelta(days=1)).date())
        assert world.wiring.reports is not None
        report = build(await gather(world.wiring.reports, period, now), period, world.wiring.settings, now)
        exported = json.loads(render_json(report))
        gbp, unknown = exported["currencies"]  # n/a: cancelled before it was tied to an order
        assert (gbp["currency"], unknown["currency"]) == ("GBP", "n/a")
        assert unknown["returns"]["opened"] == unknown["returns"]["cancelled"] == 1
        db = world.wiring.settings.db_path
        # independent counts, straight from the tables
        cases = _count(db, "SELECT count(*) FROM return_cases")[0]
        by_outcome = {
            outcome: (n, total)
            for outcome, n, total in sqlite3.connect(db).execute(  # closed with the test's tmp dir
                "SELECT outcome, count(*), sum(amount_minor) FROM refunds"
                " WHERE state = 'recorded' GROUP BY outcome"
            )
        }
        owed = _count(db, "SELECT sum(amount_minor) FROM pending_credits WHERE state = 'posted'")[0]
        assert gbp["returns"]["opened"] + unknown["returns"]["opened"] == cases == len(rids)
        assert gbp["refunds"]["original_payment"] == {
            "count": by_outcome["original-payment"][0],
            "total": "90.00",
        }
        assert by_outcome["original-payment"][1] == 9000  # 70.00 paid + 20.00 approved
        assert gbp["refunds"]["store_credit"] == {"count": 1, "total": "15.00"}
        assert gbp["refunds"]["issued"]["total"] == "105.00"
        assert gbp["liability_at_end"] == "55.00" and owed == 5500  # SOCKS 15.00 + BAG 40.00 still owed
        assert gbp["mismatches"] == {
            "found": 2,
            "approve_backflow": 1,
            "approve_rebound": 0,
            "reject": 1,
            "undecided": 0,
        }
        assert gbp["returns"]["rejected"] == 1 and gbp["returns"]["cancelled"] == 0
        assert gbp["returns"]["refunded"] == 3
        # the simulators agree: Refund transactions on commercetools, acknowledgements in ReBound
        refunded_on_payments = 0
        for rid in (rids["paid"], rids["approved"]):
            order_id = world.rebound.state.returns[rid].client_order_id
            order = await world.ct.call("GET", f"/orders/order-number={order_id}")
            payment = await world.ct_payment(order)
            refunded_on_payments += sum(
                t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"
            )
        assert refunded_on_payments == 9000
        acks = [
            a["type"]
            for rid in rids.values()
            for a in world.rebound.state.acknowledgements.get(rid, {}).values()
        ]
        assert acks.count("REFUNDED") == gbp["returns"]["refunded"]
        assert acks.count("REFUND_REJECTED") == gbp["returns"]["rejected"]
        assert await world.stock("TEE-M") == 12
        assert {
            (s["sku"], s["disposition"], s["restocked"], s["written_off"]) for s in exported["stock"]
        } == {
            ("TEE-M", "SELLABLE", 2, 0),
            ("BAG", "DAMAGED", 0, 1),
        }
        # every figure can be traced to its rows (CSV)
        rows = list(csv.DictReader(io.StringIO(render_csv(report))))
        refund_rows = [r for r in rows if r["record"] == "refund"]
        assert sum(int(r["value"].replace(".", "")) for r in refund_rows) == 10500
        liability_rows = [r for r in rows if r["record"] == "liability"]
        assert {r["return_id"] for r in liability_rows} == {rids["owed"], rids["damaged"]}
        finance = next(o for o in exported["exceptions_by_owner"] if o["owner"] == "finance")
        assert finance["opened"] == 2 and finance["resolved"] == 2


@pytest.mark.anyio
async def test_the_reasons_report_has_mapped_reasons_and_return_rates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with anyio.fail_after(60):
        await _month(world)
        from backflow.app.reports import reasons
        from backflow.app.reports.reasons import reasons_report

        assert world.wiring.reports is not None
        report = reasons_report(
            await world.wiring.reports.return_cases(),
            await world.wiring.reports.ordered_quantities(),
            None,
            world.wiring.settings,
            datetime.now(UTC),
        )
        [too_large] = [r for r in report.by_reason if r.reason == "TOO_LARGE"]
        assert (too_large.returns, too_large.units) == (7, 10)
        socks = next(s for s in report.by_sku if s.sku == "SOCKS")
        assert (socks.units_returned, socks.units_ordered, socks.return_rate) == (3, 3, 1.0)
        assert socks.product == "SOCKS"
        cap = next(s for s in report.by_sku if s.sku == "CAP")
        assert (cap.units_returned, cap.units_ordered, cap.return_rate) == (3, 3, 1.0)
        # What `backflow report reasons` does: the cases read two at a time give the same items.
        monkeypatch.setattr(reasons, "PAGE", 2)
        paged = await reasons.read_returned_items(world.wiring.reports, None, world.wiring.settings)
        assert paged == reasons.returned_items(
            await world.wiring.reports.return_cases(), None, world.wiring.settings
        )


def _page_figures(html: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, value in re.findall(r'data-figure="([^"]+)"[^>]*>([^<]*)<', html):
        found.setdefault(name, set()).add(value.strip())
    return found


def _json_figures(exported: dict[str, Any]) -> dict[str, str]:
    expected: dict[str, str] = {}
    for section in exported["currencies"]:
        c = section["currency"]
        for name, value in section["returns"].items():
            expected[f"{c}.returns.{name}"] = str(value)
        for kind, totals in section["refunds"].items():
            expected[f"{c}.refunds.{kind}.count"] = str(totals["count"])
            expected[f"{c}.refunds.{kind}.total"] = totals["total"]
        expected[f"{c}.liability_at_end"] = section["liability_at_end"]
        for name, value in section["mismatches"].items():
            expected[f"{c}.mismatches.{name}"] = str(value)
    for line in exported["stock"]:
        for name in ("restocked", "written_off"):
            expected[f"stock.{line['sku']}.{line['disposition']}.{name}"] = str(line[name])
    for owner in exported["exceptions_by_owner"]:
        for name, value in owner.items():
            if name != "owner":
                expected[f"exceptions.{owner['owner']}.{name}"] = str(value)
    return expected


@pytest.mark.anyio
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make test installs it with apt-get)")
async def test_the_html_report_rendered_in_chromium_shows_the_json_figures(
    world: World, tmp_path: Path
) -> None:
    with anyio.fail_after(80):
        await _month(world)
        today = datetime.now(UTC).date()
        dates = [
            "--from",
            (today - timedelta(days=1)).isoformat(),
            "--to",
            (today + timedelta(days=1)).isoformat(),
        ]
        html_path, json_path = tmp_path / "out" / "recon.html", tmp_path / "out" / "recon.json"
        saved = os.environ.get("BACKFLOW_DB")
        os.environ["BACKFLOW_DB"] = str(world.wiring.settings.db_path)
        try:
            for form, path in (("html", html_path), ("json", json_path)):
                argv = ["report", "reconciliation", *dates, "--format", form, "--output", str(path)]
                assert await anyio.to_thread.run_sync(cli_main, argv) == 0
        finally:
            if saved is None:
                os.environ.pop("BACKFLOW_DB", None)
            else:
                os.environ["BACKFLOW_DB"] = saved
        source = html_path.read_text()
        assert "<script" not in source and "http://" not in source and "https://" not in source
        assert source.count("<svg") == 3
        assert CHROMIUM is not None
        command = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--dump-dom",
            html_path.as_uri(),
        ]
        rendered = (await anyio.run_process(command, check=True)).stdout.decode()
        on_page = _page_figures(rendered)
        expected = _json_figures(json.loads(json_path.read_text()))
        assert expected and set(on_page) == set(expected)
        for name, value in expected.items():
            assert on_page[name] == {value}, name
        assert "Returns reconciliation" in rendered and "Top return reasons" in rendered
