"""The admin API's and the reports' reads give the same figures on both stores (exact expectations)."""

from __future__ import annotations

from datetime import timedelta

import anyio
import msgspec
import pytest

from backflow.ports.admin import ExceptionQuery, InboxCounts, QueueCounts, SyncLagStats
from backflow.ports.errors import NotFoundError
from backflow.ports.exceptions import ExceptionState, NewException, Severity
from backflow.ports.inbox import InboundEvent
from backflow.ports.ledgers import PendingCredit
from backflow.ports.outbox import OutboxMessage, RetryPolicy
from backflow.ports.reports import CreditChange, StatusChange
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.shadow import ShadowWrite
from backflow.ports.synced_orders import SyncedOrder, SyncStatus
from tests.integration.store.support import START, FakeClock, OpenStore, Store, message

pytestmark = pytest.mark.anyio


def _case(return_id: str, snapshot: object, *, version: int = 0, state: str = "anchored") -> ReturnCaseRecord:
    return ReturnCaseRecord(
        return_id=return_id,
        client_order_id=f"order-{return_id}",
        ct_order_id=f"ct-{return_id}",
        state=state,
        last_sequence=1,
        snapshot=msgspec.json.encode(snapshot),
        version=version,
        created_at=START,
        updated_at=START,
    )


def _problem(key: str, owner: str = "cx") -> NewException:
    return NewException(type=f"type-{owner}", owner=owner, severity=Severity.WARNING, dedupe_key=key)


async def test_search_filters_and_status_history(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with open_store(clock) as store:
            async with store.unit_of_work() as uow:
                uow.returns.add(_case("RB-1", {"items": [{"sku": "SOCK"}, {"sku": "CAP"}]}))
                uow.returns.add(_case("RB-2", {"case": {"rebound_status": "IN_TRANSIT"}, "items": "n/a"}))
                uow.exceptions.raise_exception(_problem("a"))
                await uow.commit()
            clock.advance(100)
            async with store.unit_of_work() as uow:
                uow.returns.update(_case("RB-2", {"case": {"rebound_status": "AT_HUB"}}, version=1))
                uow.exceptions.raise_exception(_problem("b", owner="finance"))
                uow.exceptions.raise_exception(_problem("c"))
                await uow.commit()
            clock.advance(100)
            async with store.unit_of_work() as uow:
                uow.returns.update(
                    _case("RB-2", {"case": {"rebound_status": "AT_HUB"}}, version=2, state="done")
                )
                uow.returns.update(_case("RB-1", {"items": [{"sku": "SOCK"}]}, version=1))  # no change shown
                await uow.commit()

            assert [r.return_id for r in await store.admin.search_returns("SOCK", limit=5)] == ["RB-1"]
            assert [r.return_id for r in await store.admin.search_returns("ct-RB-2", limit=5)] == ["RB-2"]
            assert await store.admin.search_returns("CAP", limit=5) == [], "RB-1 no longer has a CAP"

            def ids(found: list[object]) -> list[str]:
                return [e.dedupe_key for e in found]  # type: ignore[attr-defined]

            assert ids(await store.admin.exceptions(ExceptionQuery())) == ["c", "b", "a"]
            assert ids(await store.admin.exceptions(ExceptionQuery(order="oldest", owner="cx"))) == ["a", "c"]
            assert ids(await store.admin.exceptions(ExceptionQuery(min_age_seconds=150))) == ["a"]
            assert ids(await store.admin.exceptions(ExceptionQuery(max_age_seconds=150))) == ["c", "b"]
            [first] = await store.admin.exceptions(ExceptionQuery(type="type-finance"))
            async with store.unit_of_work() as uow:
                uow.exceptions.change_state(first.id, ExceptionState.RESOLVED, actor="ana", note=None)
                await uow.commit()
            assert ids(await store.admin.exceptions(ExceptionQuery(owner="finance"))) == []
            assert ids(await store.admin.exceptions(ExceptionQuery(state="any", limit=2))) == ["c", "b"]
            assert ids(await store.admin.exceptions(ExceptionQuery(state="resolved"))) == ["b"]

            assert await store.reports.status_history(until=clock.now()) == [
                StatusChange(return_id="RB-1", at=START, position="anchored", rebound_status=None),
                StatusChange(return_id="RB-2", at=START, position="anchored", rebound_status="IN_TRANSIT"),
                StatusChange(
                    return_id="RB-2",
                    at=START + timedelta(seconds=100),
                    position="anchored",
                    rebound_status="AT_HUB",
                ),
                StatusChange(
                    return_id="RB-2",
                    at=START + timedelta(seconds=200),
                    position="done",
                    rebound_status="AT_HUB",
                ),
            ]
            assert [c.return_id for c in await store.reports.open_return_cases(limit=5)] == ["RB-1", "RB-2"]
            # A monitor's batch reads its own returns' history, never the whole of it.
            of_rb2 = await store.reports.status_history_of(["RB-2"], until=clock.now())
            assert [(c.return_id, c.at, c.rebound_status) for c in of_rb2] == [
                ("RB-2", START, "IN_TRANSIT"),
                ("RB-2", START + timedelta(seconds=100), "AT_HUB"),
                ("RB-2", START + timedelta(seconds=200), "AT_HUB"),
            ]
            until_100 = await store.reports.status_history_of(
                ["RB-1", "RB-2", "RB-none"], until=START + timedelta(seconds=100)
            )
            assert [(c.return_id, c.rebound_status) for c in until_100] == [
                ("RB-1", None),
                ("RB-2", "IN_TRANSIT"),
                ("RB-2", "AT_HUB"),
            ]
            assert await store.reports.status_history_of([], until=clock.now()) == []


async def _queue(store: Store, clock: FakeClock) -> None:
    await store.outbox.append(message("due", kind="refund"))
    later = OutboxMessage(
        kind="refund", payload=b"{}", idempotency_key="later", available_at=START + timedelta(1)
    )
    await store.outbox.append(later)
    for key in ("retry", "leased", "dead"):
        await store.outbox.append(message(key, kind="restock"))
    rows = {
        r.idempotency_key: r
        for r in await store.outbox.claim("w", limit=3, lease_seconds=60, kinds=["restock"])
    }
    assert await store.outbox.fail(rows["retry"].id, "w", "later") is not None
    await store.outbox.fail(rows["dead"].id, "w", "boom")
    await store.outbox.fail(rows["dead"].id, "w", "boom")  # lease already lost: nothing


async def test_counts_lag_credits_and_the_runtime_writes(open_store: OpenStore) -> None:
    clock = FakeClock()
    policy = RetryPolicy(base_seconds=1000, max_attempts=2)
    with anyio.fail_after(20):
        async with open_store(clock, policy=policy, random01=lambda: 1.0 - 1e-9) as store:
            await _queue(store, clock)
            assert await store.admin.queue_counts() == [
                QueueCounts(kind="refund", due=1, scheduled=1, retrying=0, leased=0, dead=0),
                QueueCounts(kind="restock", due=0, scheduled=2, retrying=2, leased=1, dead=0),
            ]
            for n, quarantined in enumerate((None, None, "unreadable")):
                received = START + timedelta(seconds=n)
                body = b"{}"
                event = InboundEvent(
                    source="rebound", source_id=f"e{n}", kind="k", received_at=received, body=body,
                    quarantine_reason=quarantined,
                )  # fmt: skip
                await store.inbox.store(event)
            first, *_ = await store.inbox.pending(limit=5)
            await store.inbox.mark_failed(first.seq, "bad", final=True)
            clock.advance(30)
            assert await store.admin.inbox_counts() == InboxCounts(
                pending=2, failed=1, quarantined=1, oldest_pending_age_seconds=29.0
            )

            async with store.unit_of_work() as uow:
                for n, lag in enumerate((10.0, 1.0, 3.0, 2.0)):
                    at = START + timedelta(seconds=n)
                    uow.orders.upsert(
                        SyncedOrder(
                            ct_order_id=f"o{n}",
                            order_number=str(n),
                            ct_version=1,
                            status=SyncStatus.SYNCED,
                            last_synced_at=at,
                            lag_seconds=lag,
                            skus={"SOCK": n + 1},
                            products={"SOCK": "Sock"},
                        )
                    )
                uow.orders.upsert(
                    SyncedOrder(ct_order_id="o9", order_number=None, ct_version=1, status=SyncStatus.PENDING)
                )
                uow.credits.post(PendingCredit(return_id="R1", currency="EUR", amount_minor=500))
                await uow.commit()
            clock.advance(1)
            async with store.unit_of_work() as uow:
                uow.credits.post(PendingCredit(return_id="R1", currency="EUR", amount_minor=700))
                uow.credits.release("R1", "EUR")
                await uow.commit()
            assert await store.admin.sync_lag() == SyncLagStats(
                synced=4,
                pending=1,
                failing=0,
                lag_avg_seconds=4.0,
                lag_p50_seconds=3.0,
                lag_p95_seconds=10.0,
                lag_max_seconds=10.0,
                last_synced_at=START + timedelta(seconds=3),
            )
            [ordered] = await store.reports.ordered_quantities()
            assert (ordered.sku, ordered.product, ordered.quantity) == ("SOCK", "Sock", 10)
            at_post, at_change = START + timedelta(seconds=30), START + timedelta(seconds=31)
            assert await store.reports.credit_history(until=clock.now()) == [
                CreditChange(return_id="R1", currency="EUR", at=at_post, amount_minor=500, state="posted"),
                CreditChange(return_id="R1", currency="EUR", at=at_change, amount_minor=700, state="posted"),
                CreditChange(
                    return_id="R1", currency="EUR", at=at_change, amount_minor=700, state="released"
                ),
            ]

            async with store.unit_of_work() as uow:
                uow.exceptions.raise_exception(_problem("x"))
                await uow.commit()
            [problem] = await store.admin.exceptions(ExceptionQuery())
            retried = await store.admin.retry_exception(problem.id, message("again"), actor="ana", note="go")
            assert not retried.duplicate and (await store.admin.outbox_row(retried.id)) is not None
            assert [e.action for e in await store.unit_of_work().exceptions.events(problem.id)][
                -1
            ] == "retried"
            with pytest.raises(NotFoundError):
                await store.admin.retry_exception(problem.id + 100, message("never"), actor="ana", note="")
            assert await store.admin.outbox_row("no-such-row") is None
            await store.admin.probe_write()
            await store.admin.probe_write()

            for n in range(2):
                await store.shadow_log.record(
                    ShadowWrite(target="rebound", operation=f"op{n}", arguments=b"[]", at=clock.now())
                )
            assert await store.shadow_log.count() == 2
            assert [w.operation for w in await store.shadow_log.recent(limit=5)] == ["op1", "op0"]


async def test_the_quarantined_inbox_rows_in_arrival_order_and_pages(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(20):
        async with open_store(clock) as store:
            for n, quarantined in enumerate(("unreadable", None, "captured (wrong token)", "also")):
                event = InboundEvent(
                    source="rebound-capture", source_id=f"q{n}", kind="/events/rebound",
                    received_at=START, body=b"\xff", headers={"Authorization": "***"},
                    quarantine_reason=quarantined,
                )  # fmt: skip
                await store.inbox.store(event)
            rows = await store.admin.quarantined_inbox(limit=10)
            assert [row.event.source_id for row in rows] == ["q0", "q2", "q3"]
            assert rows[1].event.headers == {"Authorization": "***"} and rows[1].event.body == b"\xff"
            page = await store.admin.quarantined_inbox(limit=1, after_seq=rows[0].seq)
            assert [row.event.source_id for row in page] == ["q2"]
