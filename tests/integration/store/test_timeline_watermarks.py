"""Timeline and watermarks (migration 0003), and reopening an exception whose key is open again."""

from __future__ import annotations

import anyio
import pytest

from backflow.ports.exceptions import ExceptionState, NewException, Severity
from backflow.ports.timeline import TimelineEntry
from tests.integration.store.support import FakeClock, OpenStore


def _problem(key: str = "orphan_return:RB-1") -> NewException:
    return NewException(type="orphan_return", owner="cx", severity=Severity.WARNING, dedupe_key=key)


@pytest.mark.anyio
async def test_timeline_entries_are_committed_with_the_unit_and_read_oldest_first(
    open_store: OpenStore,
) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            async with store.unit_of_work() as uow:
                for action in ("event received", "addReturnInfo"):
                    uow.timeline.add(
                        TimelineEntry(
                            return_id="RB-1", at=clock.now(), source="rebound", action=action, outcome="ok"
                        )
                    )
                    clock.advance(1)
                await uow.commit()
            async with store.unit_of_work() as uow:
                uow.timeline.add(
                    TimelineEntry(
                        return_id="RB-1", at=clock.now(), source="x", action="dropped", outcome="ok"
                    )
                )  # never committed
            entries = await store.timeline.for_return("RB-1")
            assert [entry.action for entry in entries] == ["event received", "addReturnInfo"]
            assert entries[0].at < entries[1].at
            assert await store.timeline.for_return("RB-2") == []


@pytest.mark.anyio
async def test_watermarks_survive_a_restart_and_the_last_write_wins(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            assert await store.watermarks.get("cursor") is None
            await store.watermarks.set("cursor", b'"a"')
            await store.watermarks.set("cursor", b'"b"')
        async with open_store(clock) as store:
            assert await store.watermarks.get("cursor") == b'"b"'


@pytest.mark.anyio
async def test_reopening_when_the_same_key_is_open_again_bumps_the_open_one(open_store: OpenStore) -> None:
    clock = FakeClock()
    with anyio.fail_after(10):
        async with open_store(clock) as store:
            async with store.unit_of_work() as uow:
                uow.exceptions.raise_exception(_problem())
                uow.exceptions.raise_exception(_problem())  # twice in one unit: one exception, count 2
                await uow.commit()
            [first] = await store.unit_of_work().exceptions.unresolved()
            assert first.count == 2
            async with store.unit_of_work() as uow:
                uow.exceptions.change_state(first.id, ExceptionState.RESOLVED, actor="ana", note="fixed")
                await uow.commit()
            async with store.unit_of_work() as uow:
                uow.exceptions.raise_exception(_problem())  # the problem is back: a new exception
                await uow.commit()
            [second] = await store.unit_of_work().exceptions.unresolved()
            assert second.id != first.id
            async with store.unit_of_work() as uow:
                uow.exceptions.change_state(first.id, ExceptionState.OPEN, actor="ana", note="again")
                await uow.commit()  # no IntegrityError
            reads = store.unit_of_work().exceptions
            [still_open] = await reads.unresolved()
            assert still_open.id == second.id and still_open.count == 2
            assert (await reads.get(first.id)).state is ExceptionState.RESOLVED  # type: ignore[union-attr]
            assert [event.action for event in await reads.events(second.id)] == ["raised", "seen_again"]
