"""Out-of-order, duplicate, unknown and unreadable events; catch-up and replay; reason codes."""

from __future__ import annotations

from datetime import timedelta

import anyio
import msgspec
import pytest

from backflow.app.core.keys import return_item_key
from backflow.app.core.settings import FileConfig
from backflow.app.returns.reapply_reasons import reapply_reason_codes
from backflow.app.returns.rebound_catchup import rebound_catchup
from backflow.app.returns.replay import replay_rebound_events
from backflow.domain.return_case import Position
from backflow.ports.inbox import InboundEvent
from tests.integration.flows.conftest import REASONS, World, file_config, item
from tests.integration.flows.support import (
    evidence,
    exceptions,
    order_number,
    run_job,
    run_use_case,
    settle,
    store_rebound_events,
)

TO_REGISTERED = [
    {"event": "created"},
    {"event": "in_transit"},
    {"event": "delivered"},
    {"event": "items_registered"},
]


async def _record(world: World, return_id: str) -> tuple[str, int]:
    async with world.wiring.store.unit_of_work() as uow:
        record = await uow.returns.get(return_id)
    assert record is not None
    return record.state, record.last_sequence


@pytest.mark.anyio
async def test_out_of_order_and_duplicate_events_newest_sequence_wins(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(order, [item(order)], TO_REGISTERED)
        created, in_transit, delivered, registered = bodies
        await store_rebound_events(
            world.wiring, [created, registered, registered]
        )  # a duplicate is stored once
        assert len(await world.wiring.inbox.pending(limit=10)) == 2
        assert await settle(world.wiring, world.registry) == []
        await store_rebound_events(world.wiring, [delivered, in_transit])  # late: older sequences
        assert await settle(world.wiring, world.registry) == []
        assert await _record(world, rid) == (Position.ANCHORED, 4)
        outcomes = [e.outcome for e in await world.wiring.timeline.for_return(rid)]
        assert outcomes.count("stale") == 2
        [returned] = (await world.ct_order(order["id"]))["returnInfo"][0]["items"]
        assert returned["shipmentState"] == "Returned"


@pytest.mark.anyio
async def test_unknown_status_and_disposition_raise_merchandising_exceptions(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(order, [item(order)], [{"event": "created"}])
        odd = msgspec.json.decode(bodies[0])
        odd["id"], odd["sequence"] = "EVT-ODD-STATUS", 2
        odd["data"]["order"]["status"] = "TELEPORTED"
        odd_item = msgspec.json.decode(bodies[0])
        odd_item["id"], odd_item["sequence"], odd_item["type"] = (
            "EVT-ODD-GRADE",
            3,
            "return_order.items_graded",
        )
        odd_item["data"]["order"]["status"] = "GRADED"
        odd_item["data"]["items"][0].update(quantityReceived=1, condition="A", disposition="GIVE_TO_STAFF")
        await store_rebound_events(
            world.wiring, [bodies[0], msgspec.json.encode(odd), msgspec.json.encode(odd_item)]
        )
        await settle(world.wiring, world.registry)
        [status] = await exceptions(world.wiring, "unknown_status")
        [disposition] = await exceptions(world.wiring, "unknown_disposition")
        assert status.owner == disposition.owner == "merchandising"
        assert evidence(status)["raw"] == "TELEPORTED" and "TELEPORTED" in evidence(status)["body_text"]
        assert disposition.count >= 2  # seen at intake and again when the restock decided: one exception
        assert (await world.wiring.inbox.get("rebound", "EVT-ODD-STATUS")) is not None  # the event is kept
        assert (await _record(world, rid))[0] == Position.ANCHORED  # other work went on


@pytest.mark.anyio
async def test_a_quarantined_event_is_an_exception_carrying_its_body(world: World) -> None:
    with anyio.fail_after(30):
        for source_id, body, reason in (
            ("q-1", b"\xff\xfe not json", "bad signature body"),
            ("q-2", b"{}", None),
        ):
            await world.wiring.inbox.store(
                InboundEvent(
                    source="rebound",
                    source_id=source_id,
                    kind="?",
                    received_at=world.clock.now(),
                    body=body,
                    quarantine_reason=reason,
                )
            )
        assert await settle(world.wiring, world.registry) == []
        found = {
            evidence(e)["source_id"]: evidence(e) for e in await exceptions(world.wiring, "quarantined_event")
        }
        assert found["q-1"]["reason"] == "bad signature body" and "body_base64" in found["q-1"]
        assert found["q-2"]["reason"].startswith("undecodable") and found["q-2"]["body_text"] == "{}"
        # The same shape as the inbox processor's (app.core.quarantine): body as JSON, the inbox seq.
        assert found["q-2"]["body"] == {} and found["q-1"]["body"] == b"\xff\xfe not json".decode(
            errors="replace"
        )
        assert isinstance(found["q-2"]["inbox_seq"], int) and found["q-2"]["kind"] == "?"


@pytest.mark.anyio
async def test_catch_up_from_rebound_repairs_a_missed_webhook(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(order, [item(order)], [*TO_REGISTERED, {"event": "refund"}])
        await store_rebound_events(world.wiring, bodies[:1])  # every later webhook was lost
        assert await settle(world.wiring, world.registry) == []
        await run_job(world.wiring, rebound_catchup)
        await run_job(world.wiring, rebound_catchup)  # the same snapshot again: deduped by the inbox
        assert await settle(world.wiring, world.registry) == []
        assert (await _record(world, rid))[0] == Position.REFUNDED
        payment = await world.ct_payment(order)
        assert [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"] == [3500]
        # The webhooks arrive after all: older or equal news, nothing moves twice.
        await store_rebound_events(world.wiring, bodies[1:])
        assert await settle(world.wiring, world.registry) == []
        payment = await world.ct_payment(order)
        assert len([t for t in payment["transactions"] if t["type"] == "Refund"]) == 1


@pytest.mark.anyio
async def test_replay_stores_missed_events_and_skips_known_ones(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(order, [item(order)], TO_REGISTERED)
        await store_rebound_events(world.wiring, bodies[:2])
        assert await settle(world.wiring, world.registry) == []
        report = await run_use_case(
            world.wiring, replay_rebound_events, world.rebound.options.start - timedelta(minutes=1)
        )
        assert (report.seen, report.stored, report.duplicates) == (4, 2, 2)
        assert await settle(world.wiring, world.registry) == []
        assert await _record(world, rid) == (Position.ANCHORED, 4)


@pytest.mark.anyio
async def test_an_unmapped_reason_never_blocks_the_refund_and_reapply_fixes_it(world: World) -> None:
    with anyio.fail_after(30):
        order = await world.order([("TEE-M", 1, 3500)], number=order_number())
        rid, bodies = world.script(
            order, [item(order, reason="Colour not as pictured")], [*TO_REGISTERED, {"event": "refund"}]
        )
        await store_rebound_events(world.wiring, bodies)
        assert await settle(world.wiring, world.registry) == []
        [unmapped] = await exceptions(world.wiring, "unmapped_reason_code")
        assert (
            unmapped.owner == "merchandising"
            and evidence(unmapped)["reason_code"] == "Colour not as pictured"
        )
        assert (await _record(world, rid))[0] == Position.REFUNDED  # not blocked
        key = return_item_key(world.rebound.state.returns[rid].items[0].rebound_item_id)
        [returned] = (await world.ct_order(order["id"]))["returnInfo"][0]["items"]
        assert "Colour not as pictured" in returned["comment"] and "custom" not in returned
        assert (
            await run_use_case(world.wiring, reapply_reason_codes)
        ).items_updated == 0  # still not in the table
        updated = world.with_config(
            FileConfig(
                reasons={**REASONS, "colour not as pictured": "COLOUR"}, policies=file_config().policies
            )
        )
        report = await run_use_case(updated.wiring, reapply_reason_codes)
        assert (report.items_updated, report.exceptions_resolved, report.failures) == (1, 1, [])
        [returned] = (await world.ct_order(order["id"]))["returnInfo"][0]["items"]
        assert returned["key"] == key and returned["custom"]["fields"]["reasonCode"] == "COLOUR"
        assert await exceptions(world.wiring, "unmapped_reason_code") == []
        assert (await run_use_case(updated.wiring, reapply_reason_codes)).items_updated == 0  # done once
