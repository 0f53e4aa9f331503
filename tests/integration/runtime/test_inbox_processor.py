"""The inbox processor: arrival order, retries without holding others up, final failures, quarantine."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import msgspec
import pytest

from backflow.app.bootstrap.wiring import Wiring
from backflow.app.core.completion import processed_in
from backflow.app.core.declarations import EventProcessed
from backflow.ports.inbox import InboundEvent, InboxStatus, StoredInboundEvent
from tests.integration.runtime.conftest import DaemonFactory, eventually, registry
from tests.integration.store.support import new_case

pytestmark = pytest.mark.anyio


def event(n: int, source: str = "rebound", **extra: object) -> InboundEvent:
    return InboundEvent(
        source=source,
        source_id=f"evt-{n}",
        kind="return_order.created",
        received_at=datetime.now(UTC),
        body=msgspec.json.encode({"n": n}),
        **extra,  # type: ignore[arg-type]
    )


async def test_events_are_handled_in_arrival_order_and_marked_processed(daemon: DaemonFactory) -> None:
    seen: list[str] = []

    async def handle(stored: StoredInboundEvent) -> None:
        seen.append(stored.event.source_id)

    with anyio.fail_after(20):
        async with daemon(registry(inbox_handlers={"rebound": handle})) as run:
            inbox = run.daemon.wiring.inbox
            for n in (5, 3, 9, 1, 7):
                await inbox.store(event(n))
            await eventually(lambda: len(seen) == 5)
            assert seen == ["evt-5", "evt-3", "evt-9", "evt-1", "evt-7"]
            stored = await inbox.get("rebound", "evt-1")
            assert stored is not None and stored.status is InboxStatus.PROCESSED


async def test_a_failing_event_is_retried_then_final_with_an_exception_and_others_go_on(
    daemon: DaemonFactory,
) -> None:
    calls: dict[str, int] = {}

    async def handle(stored: StoredInboundEvent) -> None:
        calls[stored.event.source_id] = calls.get(stored.event.source_id, 0) + 1
        if stored.event.source_id == "evt-2":
            raise ValueError("cannot anchor")

    with anyio.fail_after(20):
        async with daemon(registry(inbox_handlers={"rebound": handle})) as run:  # 2 attempts allowed
            wiring = run.daemon.wiring
            for n in (1, 2, 3):
                await wiring.inbox.store(event(n))
            failed = await eventually(lambda: _status(wiring, "evt-2", InboxStatus.FAILED))
            assert failed.attempts == 2 and failed.last_error == "ValueError: cannot anchor"
            assert calls == {"evt-1": 1, "evt-2": 2, "evt-3": 1}
            async with wiring.store.unit_of_work() as uow:
                [exception] = await uow.exceptions.unresolved()
            assert exception.type == "inbox_event_failed"
            assert msgspec.json.decode(exception.evidence)["source_id"] == "evt-2"


async def test_quarantined_and_unroutable_events_become_exceptions(daemon: DaemonFactory) -> None:
    async def handle(stored: StoredInboundEvent) -> None:
        raise AssertionError("never called for these events")

    with anyio.fail_after(20):
        async with daemon(registry(inbox_handlers={"rebound": handle})) as run:
            wiring = run.daemon.wiring
            await wiring.inbox.store(event(1, quarantine_reason="not an envelope"))
            await wiring.inbox.store(event(2, source="somewhere-else"))
            await eventually(lambda: _status(wiring, "evt-1", InboxStatus.FAILED))
            await eventually(lambda: _status(wiring, "evt-2", InboxStatus.FAILED, source="somewhere-else"))
            async with wiring.store.unit_of_work() as uow:
                raised = {e.type: e for e in await uow.exceptions.unresolved()}
            assert sorted(raised) == ["inbox_event_failed", "quarantined_event"]
            # One quarantine path (app.core.quarantine): its dedupe key and its evidence shape.
            quarantined = raised["quarantined_event"]
            assert quarantined.dedupe_key == "quarantined_event:rebound:evt-1"
            found = msgspec.json.decode(quarantined.evidence)
            assert found["reason"] == "not an envelope" and found["inbox_seq"] >= 1
            assert found["body"] == {"n": 1} and found["body_text"] == '{"n":1}'
            assert raised["inbox_event_failed"].dedupe_key == "inbox_event_failed:somewhere-else:evt-2"


async def test_a_handler_marking_its_event_in_its_own_commit_is_processed_once(daemon: DaemonFactory) -> None:
    calls: list[str] = []
    wirings: list[Wiring] = []

    async def handle(stored: StoredInboundEvent) -> EventProcessed:
        calls.append(stored.event.source_id)
        first_try = calls.count(stored.event.source_id) == 1
        # evt-1's first attempt loses to a concurrent writer: nothing of its unit applies, its mark
        # included, so the event is retried.
        taken = stored.event.source_id == "evt-1" and first_try
        async with wirings[0].store.unit_of_work() as uow:
            uow.returns.add(new_case("R-taken" if taken else f"R-{stored.event.source_id}"))
            processed = processed_in(uow, stored)
            await uow.commit()
        return processed

    with anyio.fail_after(20):
        async with daemon(registry(inbox_handlers={"rebound": handle})) as run:
            wiring = run.daemon.wiring
            wirings.append(wiring)
            async with wiring.store.unit_of_work() as uow:
                uow.returns.add(new_case("R-taken"))
                await uow.commit()
            for n in (1, 2):
                await wiring.inbox.store(event(n))
            retried = await eventually(lambda: _status(wiring, "evt-1", InboxStatus.PROCESSED))
            assert retried.attempts == 2 and (retried.last_error or "").startswith("ConflictError")
            done = await eventually(lambda: _status(wiring, "evt-2", InboxStatus.PROCESSED))
            assert done.attempts == 1 and done.last_error is None, "marked once, by the handler's commit"
            assert sorted(calls) == ["evt-1", "evt-1", "evt-2"]
            for return_id in ("R-evt-1", "R-evt-2"):
                assert await wiring.store.unit_of_work().returns.get(return_id) is not None


async def _status(
    wiring: Wiring, source_id: str, status: InboxStatus, source: str = "rebound"
) -> StoredInboundEvent | None:
    stored = await wiring.inbox.get(source, source_id)
    return stored if stored is not None and stored.status is status else None
