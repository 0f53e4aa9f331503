"""`backflow store copy`: a month of real flows on SQLite, copied to PostgreSQL, reads back the same
through every port: the reconciliation report's figures, each ReportSource read, the admin reads."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import anyio
import pytest

from backflow.adapters.postgresql.store import PostgresStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.entrypoints.cli import main as cli_main
from backflow.app.reports.period import Period
from backflow.app.reports.reconciliation import build, gather
from backflow.app.reports.render_text import render_json
from backflow.ports.admin import ExceptionQuery
from backflow.ports.exceptions import NewException, Severity
from backflow.ports.reports import ReportSource
from tests.integration.flows.conftest import World
from tests.integration.flows.test_reports import _month

pytestmark = [pytest.mark.anyio, pytest.mark.postgresql]


async def _every_read(source: ReportSource, period: Period) -> dict[str, object]:
    end, since = period.end, period.start - timedelta(days=400)
    return {
        "cases": await source.return_cases(),
        "open": await source.open_return_cases(limit=100),
        "history": await source.status_history(until=end),
        "refunds": await source.refunds(until=end),
        "touched": await source.orders_touched_since(since, limit=100),
        "credits": await source.credit_history(until=end),
        "stock": await source.stock_movements(since=since, until=end),
        "write_offs": await source.write_offs(since=since, until=end),
        "exceptions": await source.exceptions(until=end),
        "decisions": await source.decisions(until=end),
        "ordered": await source.ordered_quantities(),
    }


def _copy(db: Path, dsn: str) -> int:
    return cli_main(["store", "copy", str(db), dsn])


async def test_a_copied_month_reads_back_identically(
    world: World, postgres_empty_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with anyio.fail_after(120):
        rids = await _month(world)
        now = world.clock.now()
        period = Period(first_day=(now - timedelta(days=1)).date(), last_day=(now + timedelta(days=1)).date())
        db, sqlite_store = world.wiring.settings.db_path, world.store
        assert sqlite_store is not None and world.wiring.reports is not None
        assert await anyio.to_thread.run_sync(_copy, db, postgres_empty_dsn) == 0
        out = capsys.readouterr().out
        assert "the row counts of both agree" in out
        with sqlite3.connect(db) as conn:
            refunds_in_sqlite = conn.execute("SELECT count(*) FROM refunds").fetchone()[0]
        assert f"refunds {refunds_in_sqlite:>27}" in out and refunds_in_sqlite > 0

        async with PostgresStore.open(postgres_empty_dsn, clock=world.clock, ids=Uuid7Generator()) as pg:
            before = build(
                await gather(world.wiring.reports, period, now), period, world.wiring.settings, now
            )
            after = build(await gather(pg.reports, period, now), period, world.wiring.settings, now)
            assert after == before and render_json(after) == render_json(before)
            assert await _every_read(pg.reports, period) == await _every_read(world.wiring.reports, period)

            everything = ExceptionQuery(state="any", limit=1000)
            assert await pg.admin.exceptions(everything) == await sqlite_store.admin.exceptions(everything)
            assert await pg.admin.queue_counts() == await sqlite_store.admin.queue_counts()
            assert await pg.admin.sync_lag() == await sqlite_store.admin.sync_lag()
            assert await pg.monitor.queue_depth() == await sqlite_store.monitor.queue_depth()
            for rid in rids.values():
                assert await pg.timeline.for_return(rid) == await sqlite_store.timeline.for_return(rid)
                assert await pg.admin.search_returns(rid, limit=5) == await sqlite_store.admin.search_returns(
                    rid, limit=5
                )
            pending = (await sqlite_store.inbox.pending(limit=1000), await pg.inbox.pending(limit=1000))
            assert pending[0] == pending[1]

            # Ids go on after the copied ones: the next exception gets a new id, not a copied one.
            copied_ids = {e.id for e in await pg.reports.exceptions(until=period.end)}
            async with pg.unit_of_work() as uow:
                uow.exceptions.raise_exception(
                    NewException(
                        type="stock_drift", owner="operations", severity=Severity.INFO, dedupe_key="new"
                    )
                )
                await uow.commit()
            (raised,) = [e for e in await pg.unit_of_work().exceptions.unresolved() if e.dedupe_key == "new"]
            assert raised.id == max(copied_ids) + 1


async def test_a_target_with_data_is_refused_and_left_as_it_was(
    world: World, postgres_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with anyio.fail_after(60):
        await _month(world)
        db = world.wiring.settings.db_path
        async with PostgresStore.open(postgres_dsn, clock=world.clock, ids=Uuid7Generator()) as pg:
            await pg.watermarks.set("someone-else", b"1")
            assert await anyio.to_thread.run_sync(_copy, db, postgres_dsn) == 1
            assert "not empty (watermarks has 1 rows)" in capsys.readouterr().err
            assert await pg.reports.return_cases() == []
