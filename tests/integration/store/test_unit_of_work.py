"""The unit of work: a state change and its outbox rows commit together or not at all."""

from __future__ import annotations

from datetime import timedelta

import anyio
import msgspec
import pytest

from backflow.ports.errors import ConflictError
from backflow.ports.exceptions import ExceptionState, NewException, Severity
from backflow.ports.ledgers import (
    PendingCredit,
    Refund,
    RefundOutcome,
    RefundState,
    StockMovement,
    StockMovementState,
)
from backflow.ports.return_cases import ReturnCaseRecord
from backflow.ports.synced_orders import SyncedOrder, SyncStatus
from tests.integration.store.support import START, FakeClock, OpenStore, message

pytestmark = pytest.mark.anyio


def case(version: int = 0, state: str = "CREATED", sequence: int = 1) -> ReturnCaseRecord:
    return ReturnCaseRecord(
        return_id="R1",
        client_order_id="1001",
        ct_order_id=None,
        state=state,
        last_sequence=sequence,
        snapshot=b'{"status": "%s"}' % state.encode(),
        version=version,
        created_at=START,
        updated_at=START,
    )


async def test_state_change_and_outbox_rows_commit_together(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            async with store.unit_of_work() as uow:
                uow.returns.add(case())
                row_id = uow.outbox.add(message("register-R1"))
                assert await uow.returns.get("R1") is None, "staged, not yet committed"
                await uow.commit()
            stored = await store.unit_of_work().returns.get("R1")
            assert stored is not None and stored.version == 1
            (claimed,) = await store.outbox.claim("w", limit=5, lease_seconds=10)
            assert claimed.id == row_id

            clock.advance(5)
            async with store.unit_of_work() as uow:
                uow.returns.update(case(version=1, state="GRADED", sequence=4))
                restock_id = uow.outbox.add(message("restock-R1"))
                await uow.commit()
            # A second writer that read version 1 loses, and its outbox row is not written either.
            async with store.unit_of_work() as uow:
                uow.returns.update(case(version=1, state="CANCELLED", sequence=3))
                cancel_id = uow.outbox.add(message("cancel-R1"))
                with pytest.raises(ConflictError) as conflict:
                    await uow.commit()
                assert conflict.value.current_version == 2
            current = await store.unit_of_work().returns.get("R1")
            assert current is not None
            assert (current.state, current.version, current.last_sequence) == ("GRADED", 2, 4)
            assert current.updated_at == START + timedelta(seconds=5)
            assert [r.return_id for r in await store.unit_of_work().returns.by_order("1001")] == ["R1"]
            rows = [await store.admin.outbox_row(i) for i in (row_id, restock_id, cancel_id)]
            assert [None if r is None else r.idempotency_key for r in rows] == [
                "register-R1",
                "restock-R1",
                None,
            ]


async def test_a_row_completed_in_a_unit_of_work_is_done_with_its_writes(open_store: OpenStore) -> None:
    clock = FakeClock()
    synced = SyncedOrder(ct_order_id="o-1", order_number="1001", ct_version=3, status=SyncStatus.SYNCED)
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            first = (await store.outbox.append(message("sync-o-1"))).id
            second = (await store.outbox.append(message("sync-o-2"))).id
            rows = {row.id: row for row in await store.outbox.claim("w", limit=5, lease_seconds=10)}
            async with store.unit_of_work() as uow:
                uow.orders.upsert(synced)
                uow.outbox.complete(first, "w")
                assert (await store.outbox.history(first))[-1].to_status == "leased", "staged only"
                await uow.commit()
            assert (await store.outbox.history(first))[-1].to_status == "done"
            assert not await store.outbox.complete(first, "w"), "done once"
            # A lease another owner took over: the row stays theirs, the unit's other writes still apply.
            assert rows[second].lease_owner == "w"
            async with store.unit_of_work() as uow:
                uow.orders.upsert(msgspec.structs.replace(synced, ct_order_id="o-2"))
                uow.outbox.complete(second, "someone else")
                await uow.commit()
            assert (await store.outbox.history(second))[-1].to_status == "leased"
            assert await store.unit_of_work().orders.get("o-2") is not None
            assert await store.outbox.complete(second, "w")


async def test_leaving_without_commit_discards_and_adding_twice_conflicts(open_store: OpenStore) -> None:
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            async with store.unit_of_work() as uow:
                uow.returns.add(case())
                uow.outbox.add(message("never"))
            async with store.unit_of_work() as uow:
                assert await uow.returns.get("R1") is None
                uow.returns.add(case())
                await uow.commit()
            async with store.unit_of_work() as uow:
                uow.returns.add(case())
                with pytest.raises(ConflictError):
                    await uow.commit()
            assert await store.monitor.queue_depth() == []


async def test_exceptions_dedupe_while_unresolved_and_keep_their_history(open_store: OpenStore) -> None:
    clock = FakeClock()
    orphan = NewException(
        type="orphan_return", owner="cx", severity=Severity.ERROR, dedupe_key="orphan:R1", return_id="R1"
    )
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            for _ in range(3):
                async with store.unit_of_work() as uow:
                    uow.exceptions.raise_exception(orphan)
                    await uow.commit()
                clock.advance(60)
            repo = store.unit_of_work().exceptions
            (open_one,) = await repo.unresolved(owner="cx")
            assert (open_one.count, open_one.first_seen, open_one.last_seen) == (
                3,
                START,
                START + timedelta(seconds=120),
            )
            async with store.unit_of_work() as uow:
                uow.exceptions.change_state(
                    open_one.id, ExceptionState.RESOLVED, actor="ana", note="found it"
                )
                await uow.commit()
            async with store.unit_of_work() as uow:
                uow.exceptions.raise_exception(orphan)
                await uow.commit()
            (new_one,) = await repo.unresolved()
            assert new_one.id != open_one.id and new_one.count == 1
            resolved = await repo.get(open_one.id)
            assert resolved is not None
            assert (resolved.state, resolved.changed_by, resolved.note) == (
                ExceptionState.RESOLVED,
                "ana",
                "found it",
            )
            events = await repo.events(open_one.id)
            assert [e.action for e in events] == ["raised", "seen_again", "seen_again", "resolved"]
            by_owner = await store.monitor.exceptions_by_owner()
            assert [(c.owner, c.type, c.count) for c in by_owner] == [("cx", "orphan_return", 1)]


async def test_ledgers_are_idempotent_by_their_markers(open_store: OpenStore) -> None:
    movement = StockMovement(
        marker="R1:I1", sku="SKU", supply_channel="main", quantity=2, return_id="R1", item_id="I1"
    )
    refund = Refund(
        interaction_id="rf-R1-1",
        return_id="R1",
        lines=b"[]",
        amount_minor=1999,
        currency="EUR",
        payment_id="P1",
        outcome=RefundOutcome.ORIGINAL_PAYMENT,
    )
    with anyio.fail_after(10):
        async with open_store(FakeClock()) as store:
            for _ in range(2):
                async with store.unit_of_work() as uow:
                    uow.stock.record(movement)
                    uow.refunds.record(refund)
                    uow.credits.post(PendingCredit(return_id="R1", currency="EUR", amount_minor=1999))
                    uow.credits.post(PendingCredit(return_id="R2", currency="EUR", amount_minor=1))
                    await uow.commit()
            async with store.unit_of_work() as uow:
                uow.stock.set_state("R1:I1", StockMovementState.APPLIED, inventory_version=7)
                uow.refunds.set_state("rf-R1-1", RefundState.RECORDED)
                uow.credits.release("R1", "EUR")
                await uow.commit()
            uow = store.unit_of_work()
            (applied,) = await uow.stock.for_return("R1")
            assert (applied.state, applied.inventory_version, applied.applied_at) == (
                StockMovementState.APPLIED,
                7,
                START,
            )
            assert [r.state for r in await uow.refunds.for_return("R1")] == [RefundState.RECORDED]
            assert await uow.credits.outstanding() == {"EUR": 1}
            orders = store.unit_of_work()
            async with orders:
                orders.orders.upsert(
                    SyncedOrder(ct_order_id="o1", order_number="1001", ct_version=3, status=SyncStatus.SYNCED)
                )
                orders.orders.upsert(
                    SyncedOrder(
                        ct_order_id="o1", order_number="1001", ct_version=2, status=SyncStatus.FAILING
                    )
                )
                await orders.commit()
            synced = await orders.orders.by_number("1001")
            assert synced is not None and (synced.ct_version, synced.status) == (3, SyncStatus.SYNCED)
