"""The inbox's lanes: in order within a key, at once across keys, order events never behind returns."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio
import msgspec
import pytest

from backflow.app.runtime.inbox_lanes import key_of
from backflow.ports.inbox import InboundEvent, Inbox, InboxStatus, StoredInboundEvent
from tests.integration.runtime.conftest import DaemonFactory, eventually, registry

pytestmark = pytest.mark.anyio


def rebound_event(n: int, return_id: str) -> InboundEvent:
    body = {"id": f"evt-{n}", "sequence": n, "data": {"order": {"returnId": return_id}}}
    return InboundEvent(
        source="rebound",
        source_id=f"evt-{n}",
        kind="return_order.created",
        received_at=datetime.now(UTC),
        body=msgspec.json.encode(body),
    )


def order_message(n: int, order_id: str) -> InboundEvent:
    body = {"type": "OrderCreated", "resource": {"typeId": "order", "id": order_id}}
    return InboundEvent(
        source="commercetools",
        source_id=f"msg-{n}",
        kind="OrderCreated",
        received_at=datetime.now(UTC),
        body=msgspec.json.encode(body),
    )


def test_keys_are_read_from_each_body_shape() -> None:
    assert key_of(rebound_event(1, "R1")) == "returns:R1"
    snapshot = msgspec.json.encode({"order": {"returnId": "R2", "status": "created"}})
    catchup = msgspec.structs.replace(rebound_event(2, "x"), source="rebound-catchup", body=snapshot)
    assert key_of(catchup) == "returns:R2"
    assert key_of(order_message(1, "O1")) == "orders:O1"
    cloud = msgspec.json.encode(
        {"specversion": "1.0", "data": msgspec.json.decode(order_message(2, "O2").body)}
    )
    assert key_of(msgspec.structs.replace(order_message(2, "x"), body=cloud)) == "orders:O2"
    # A tracking update names its return as `reboundOrderId`: the same key as the return's webhooks.
    tracking = msgspec.json.encode(
        {"order": {"reboundOrderId": "R1", "clientOrderId": "O1", "statusDescription": "Delivered"}}
    )
    update = msgspec.structs.replace(rebound_event(5, "x"), source="rebound-tracking", body=tracking)
    assert key_of(update) == key_of(rebound_event(1, "R1")) == "returns:R1"
    # A body naming no key shares its source's key (arrival order kept), and so does garbage.
    assert key_of(msgspec.structs.replace(rebound_event(3, "x"), body=b'{"n": 3}')) == "rebound:None"
    assert key_of(msgspec.structs.replace(rebound_event(4, "x"), body=b"not json")) == "rebound:None"


async def test_one_key_in_order_while_other_keys_run_at_once(daemon: DaemonFactory) -> None:
    seen: list[str] = []
    running: set[str] = set()
    overlapped = anyio.Event()
    release = anyio.Event()

    async def handle(stored: StoredInboundEvent) -> None:
        return_id = msgspec.json.decode(stored.event.body)["data"]["order"]["returnId"]
        assert return_id not in running, "two events of one return ran at once"
        running.add(return_id)
        if len(running) >= 2:
            overlapped.set()
        try:
            await release.wait()  # held until two keys are known to run together
        finally:
            running.discard(return_id)
        seen.append(stored.event.source_id)

    with anyio.fail_after(20):
        async with daemon(registry(inbox_handlers={"rebound": handle})) as run:
            inbox = run.daemon.wiring.inbox
            for n, return_id in enumerate(["A", "B", "A", "B", "A"], start=1):
                await inbox.store(rebound_event(n, return_id))
            await overlapped.wait()
            release.set()
            await eventually(lambda: len(seen) == 5)
            assert [s for s in seen if s in ("evt-1", "evt-3", "evt-5")] == ["evt-1", "evt-3", "evt-5"]
            assert [s for s in seen if s in ("evt-2", "evt-4")] == ["evt-2", "evt-4"]
            stored = await inbox.get("rebound", "evt-5")
            assert stored is not None and stored.status is InboxStatus.PROCESSED


async def test_an_order_event_runs_while_every_returns_worker_is_blocked(daemon: DaemonFactory) -> None:
    blocked = anyio.Event()
    synced: list[str] = []

    async def slow_return(stored: StoredInboundEvent) -> None:
        await blocked.wait()

    async def order(stored: StoredInboundEvent) -> None:
        synced.append(msgspec.json.decode(stored.event.body)["resource"]["id"])

    handlers = {"rebound": slow_return, "commercetools": order}
    with anyio.fail_after(20):
        async with daemon(registry(inbox_handlers=handlers)) as run:
            inbox = run.daemon.wiring.inbox
            # More blocked returns than the returns lane runs or buffers, all stored first.
            for n in range(200):
                await inbox.store(rebound_event(n, f"R{n}"))
            await inbox.store(order_message(1, "O1"))
            await eventually(lambda: synced == ["O1"])
            await eventually(lambda: _processed(inbox, "commercetools", "msg-1"))
            assert not blocked.is_set()  # every return still waits on its handler
            blocked.set()
            await eventually(lambda: _processed(inbox, "rebound", "evt-199"), within=10)


async def _processed(inbox: Inbox, source: str, source_id: str) -> bool:
    stored = await inbox.get(source, source_id)
    return stored is not None and stored.status is InboxStatus.PROCESSED
