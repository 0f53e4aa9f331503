"""The reports' bounded reads, on both stores: a period's cases and history are those of the returns it
names (never every stored return), and the whole-history report pages through the cases in order."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import anyio
import msgspec
import pytest

from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.ports.ledgers import PendingCredit
from backflow.ports.reports import CreditChange
from backflow.ports.return_cases import ReturnCaseRecord
from tests.integration.store.support import START, FakeClock, OpenStore, Store

pytestmark = pytest.mark.anyio

DAY = 86_400
PERIOD_START, PERIOD_END = START + timedelta(days=1), START + timedelta(days=2)


def _case(return_id: str, status: str, *, version: int = 0) -> ReturnCaseRecord:
    snapshot = {"case": {"rebound_status": status}}
    return ReturnCaseRecord(
        return_id=return_id,
        client_order_id=f"order-{return_id}",
        ct_order_id=f"ct-{return_id}",
        state="anchored",
        last_sequence=1,
        snapshot=msgspec.json.encode(snapshot),
        version=version,
        created_at=START,
        updated_at=START,
    )


async def _write(
    store: Store, *, added: tuple[str, ...] = (), moved: tuple[tuple[str, str, int], ...] = ()
) -> None:
    async with store.unit_of_work() as uow:
        for return_id in added:
            uow.returns.add(_case(return_id, "CREATED"))
        for return_id, status, version in moved:
            uow.returns.update(_case(return_id, status, version=version))
        await uow.commit()


async def test_a_period_reads_the_returns_it_names_and_their_whole_history(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with open_store(clock) as store:
            await _write(store, added=("RB-old", "RB-quiet", "RB-named"))
            clock.advance(DAY + 10)
            await _write(store, moved=(("RB-old", "AT_HUB", 1),))  # changed in the period
            await _write(store, added=("RB-new",))  # created in the period
            clock.advance(2 * DAY)
            await _write(store, added=("RB-late",), moved=(("RB-old", "DELIVERED", 2),))  # after it

            reports = store.reports
            cases = await reports.active_return_cases(
                since=PERIOD_START, until=PERIOD_END, including=["RB-named", "RB-unknown"]
            )
            assert [c.return_id for c in cases] == ["RB-named", "RB-old", "RB-new"]
            history = await reports.active_status_history(since=PERIOD_START, until=PERIOD_END)
            assert [(c.return_id, c.rebound_status) for c in history] == [
                ("RB-old", "CREATED"),  # before the period, but part of a return that changed in it
                ("RB-old", "AT_HUB"),
                ("RB-new", "CREATED"),
            ]
            assert [
                c.return_id for c in await reports.active_return_cases(since=PERIOD_START, until=PERIOD_END)
            ] == [
                "RB-old",
                "RB-new",
            ]


async def test_the_whole_history_is_read_page_by_page_in_creation_order(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with open_store(clock) as store:
            await _write(store, added=("RB-b", "RB-a", "RB-c"))
            clock.advance(DAY + 10)
            await _write(store, added=("RB-e", "RB-d"))
            pages, after = [], None
            while True:
                page = await store.reports.return_cases_page(since=None, until=None, after=after, limit=2)
                pages.append([c.return_id for c in page.cases])
                if page.next_after is None:
                    break
                after = page.next_after
            assert pages == [["RB-a", "RB-b"], ["RB-c", "RB-d"], ["RB-e"]]
            in_period = await store.reports.return_cases_page(
                since=PERIOD_START, until=PERIOD_END, after=None, limit=10
            )
            assert [c.return_id for c in in_period.cases] == ["RB-d", "RB-e"]
            assert in_period.next_after is None


async def test_a_period_reads_the_credits_owed_when_it_began_not_every_credit(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with open_store(clock) as store:
            async with store.unit_of_work() as uow:
                for return_id in ("R-owed", "R-paid", "R-moved"):
                    uow.credits.post(PendingCredit(return_id=return_id, currency="EUR", amount_minor=100))
                await uow.commit()
            clock.advance(10)
            async with store.unit_of_work() as uow:
                uow.credits.release("R-paid", "EUR")
                await uow.commit()
            clock.advance(DAY)
            async with store.unit_of_work() as uow:
                uow.credits.release("R-moved", "EUR")  # in the period
                await uow.commit()

            def changes(found: list[CreditChange]) -> list[tuple[str, str]]:
                return [(c.return_id, c.state) for c in found]

            owed = await store.reports.active_credit_history(since=PERIOD_START, until=PERIOD_END)
            assert changes(owed) == [("R-owed", "posted"), ("R-moved", "posted"), ("R-moved", "released")]
            named = await store.reports.active_credit_history(
                since=PERIOD_START, until=PERIOD_END, including=["R-paid"]
            )
            assert changes(named) == [
                ("R-owed", "posted"),
                ("R-paid", "posted"),
                ("R-moved", "posted"),
                ("R-paid", "released"),
                ("R-moved", "released"),
            ]


async def test_orders_touched_lately_come_newest_first_up_to_the_limit(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with open_store(clock) as store:
            await _write(store, added=("RB-a", "RB-c"))
            clock.advance(10)
            await _write(store, added=("RB-b",))
            clock.advance(10)
            await _write(store, moved=(("RB-c", "AT_HUB", 1),))
            since = START - timedelta(seconds=1)
            touched = store.reports.orders_touched_since
            assert await touched(since, limit=5) == ["ct-RB-c", "ct-RB-b", "ct-RB-a"]
            assert await touched(since, limit=2) == ["ct-RB-c", "ct-RB-b"]
            assert await touched(START + timedelta(seconds=5), limit=5) == ["ct-RB-c", "ct-RB-b"]


async def test_pages_end_when_cases_share_a_time_finer_than_a_microsecond(tmp_path: Path) -> None:
    """Rows written with a raw float time (as bench/prefill.py does): a page key decoded to a datetime
    and encoded again would fall just before them, and every page would start over."""
    path = tmp_path / "db.sqlite"
    async with SqliteStore.open(path, clock=FakeClock(), ids=Uuid7Generator()):
        pass
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO return_cases (return_id, client_order_id, state, last_sequence, snapshot, version,"
            " created_at, updated_at) VALUES (?, 'o', 'CLOSED', 1, x'7b7d', 1, ?, ?)",
            [(f"RB-{n}", 1740830400.1234567, 1740830400.1234567) for n in range(5)],
        )
    with anyio.fail_after(20):
        async with SqliteStore.open(path, clock=FakeClock(), ids=Uuid7Generator()) as store:
            seen, after = [], None
            for _ in range(5):
                page = await store.reports.return_cases_page(since=None, until=None, after=after, limit=2)
                seen += [c.return_id for c in page.cases]
                if (after := page.next_after) is None:
                    break
            assert seen == [f"RB-{n}" for n in range(5)]
