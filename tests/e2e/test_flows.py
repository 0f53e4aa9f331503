"""Every flow of the design through the whole daemon, checked in the simulators' own state."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

from backflow.devtools.busy_day.driver import TO_REFUND
from backflow.devtools.busy_day.driver import graded as graded_step
from backflow.devtools.shop import REASONS
from tests.e2e.stack import Stack, eventually, running_stack

pytestmark = pytest.mark.anyio


def graded(order: dict[str, Any], disposition: str = "SELLABLE") -> dict[str, Any]:
    return graded_step(order["lineItems"], disposition)


async def test_order_sync_by_push_and_by_the_messages_poller(tmp_path: Path) -> None:
    with anyio.fail_after(40):
        async with running_stack(tmp_path) as stack:
            pushed = await stack.order("E2E-PUSH-1")
            found = await eventually(lambda: stack.rebound_sales_order("E2E-PUSH-1"))
            assert {i["clientItemId"] for i in found["items"]} == {li["id"] for li in pushed["lineItems"]}
            assert found["customFields"]["ctOrderId"] == pushed["id"]
            # Pushes off: only the Messages API poller can bring the next order across.
            await stack.ct.call("PATCH", "/_sim/options", {"push_url": None})
            await stack.order("E2E-POLL-1")
            polled = await eventually(lambda: stack.rebound_sales_order("E2E-POLL-1"), within=15)
            assert polled["clientOrderId"] == "E2E-POLL-1"
            overview = await stack.admin.get("/api/overview")
            assert overview["order_sync"]["synced"] == 2


async def test_return_intake_refund_and_restock_each_happen_once(tmp_path: Path) -> None:
    with anyio.fail_after(40):
        async with running_stack(tmp_path) as stack:
            order = await stack.order("E2E-RET-1")
            await eventually(lambda: stack.rebound_sales_order("E2E-RET-1"))
            units = sum(line["quantity"] for line in order["lineItems"])
            rid = await stack.script(order, [*TO_REFUND, graded(order), {"event": "processed"}])

            async def closed() -> bool:
                return (await stack.case(rid)).get("case", {}).get("state") == "CLOSED"

            await eventually(closed)
            await eventually(stack.idle)
            fresh = await stack.ct_order(order["id"])
            [info] = fresh["returnInfo"]
            assert info["returnTrackingId"] == rid
            assert {i["shipmentState"] for i in info["items"]} == {"BackInStock"}
            assert {i["paymentState"] for i in info["items"]} == {"Refunded"}
            assert {i["custom"]["fields"]["reasonCode"] for i in info["items"]} == {"TOO_SMALL"}
            refunds = await stack.refund_transactions()
            assert list(refunds.values()) == [1] and next(iter(refunds)).startswith(f"backflow-refund:{rid}:")
            added, markers = await stack.stock_added()
            assert added == units and set(markers.values()) == {1}
            overview = await stack.admin.get("/api/overview")
            assert overview["pending_credit"] == [] or all(
                c["amount_minor"] == 0 for c in overview["pending_credit"]
            )


async def test_unmapped_reason_then_reasons_reapply_after_the_table_changes(tmp_path: Path) -> None:
    with anyio.fail_after(40):
        async with running_stack(tmp_path) as stack:
            order = await stack.order("E2E-REASON-1")
            rid = await stack.script(order, TO_REFUND, reasonCode="Not as described")
            [unmapped] = await eventually(lambda: stack.exceptions("unmapped_reason_code"))
            assert unmapped["owner"] == "merchandising" and unmapped["return_id"] == rid
            assert len(await eventually(stack.refund_transactions)) == 1, "the refund is not blocked"
            [info] = (await stack.ct_order(order["id"]))["returnInfo"]
            assert all("reasonCode" not in (i.get("custom") or {}).get("fields", {}) for i in info["items"])
            stack.write_reasons({**REASONS, "Not as described": "NOT_AS_DESCRIBED"})
            done = stack.backflow("reasons", "reapply")
            assert done.returncode == 0, done.stderr[-2000:]
            [info] = (await stack.ct_order(order["id"]))["returnInfo"]
            assert {i["custom"]["fields"]["reasonCode"] for i in info["items"]} == {"NOT_AS_DESCRIBED"}


async def test_missed_webhooks_are_repaired_by_the_catch_up_and_by_replay(tmp_path: Path) -> None:
    with anyio.fail_after(40):
        async with running_stack(tmp_path) as stack:
            state = await stack.rebound.get("/_sim/state")
            lag = (datetime.now().astimezone() - datetime.fromisoformat(state["now"])).total_seconds()
            await stack.rebound.post("/_sim/advance", {"seconds": max(lag, 0)})  # ReBound's clock = now
            since = datetime.fromisoformat((await stack.rebound.get("/_sim/state"))["now"])
            first, second = await stack.order("E2E-MISSED-1"), await stack.order("E2E-MISSED-2")
            # Webhooks go nowhere for these two returns: only the catch-up job and replay can see them.
            await stack.rebound.post("/_sim/faults", {"webhook_url": "http://127.0.0.1:9/nowhere"})
            caught = await stack.script(first, [{"event": "created"}])
            anchored = lambda rid: lambda: _anchored(stack, rid)  # noqa: E731
            await eventually(anchored(caught), within=20)
            replayed = await stack.script(second, [{"event": "created"}])
            done = stack.backflow("replay", "--since", (since - timedelta(seconds=1)).isoformat())
            assert done.returncode == 0, done.stderr[-2000:]
            assert "stored=" in done.stdout
            await eventually(anchored(replayed), within=20)
            for order, rid in ((first, caught), (second, replayed)):
                [info] = (await stack.ct_order(order["id"]))["returnInfo"]
                assert info["returnTrackingId"] == rid
            # Which path brought each one in: the catch-up stores snapshots, replay stores the events.
            assert "event catch-up" in await _actions(stack, caught)
            assert "event return_order.created" in await _actions(stack, replayed)
            deliveries = await stack.rebound.get("/_sim/deliveries")
            assert not any(deliveries["delivered"].values()), "no webhook reached the daemon"


async def _anchored(stack: Stack, return_id: str) -> bool:
    detail = await stack.case(return_id)
    return bool(detail.get("case", {}).get("state") == "ANCHORED")


async def _actions(stack: Stack, return_id: str) -> list[str]:
    return [entry["action"] for entry in (await stack.case(return_id))["timeline"]]
