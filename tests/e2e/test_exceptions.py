"""Every exception type of the design that the system itself can reach, through the whole daemon.

`received_not_refunded` and `stock_drift` are raised by the monitors of issue 7, not by these
flows; they are left to that work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest

from tests.e2e.stack import Stack, eventually, running_stack
from tests.e2e.test_flows import TO_REFUND, graded
from tests.rebound_support import envelope, signed_headers

pytestmark = pytest.mark.anyio


async def raised(stack: Stack, kind: str, owner: str, *, within: float = 25) -> dict[str, Any]:
    [found] = await eventually(lambda: stack.exceptions(kind), within=within)
    assert found["owner"] == owner, found
    return dict(found)


async def refunds_for(stack: Stack, return_id: str) -> int:
    return sum(n for i, n in (await stack.refund_transactions()).items() if f":{return_id}:" in i)


async def test_exceptions_from_what_arrives(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with running_stack(tmp_path) as stack:
            orphan = await stack.script("E2E-NEVER-PLACED", [{"event": "created"}])
            wrong_sku = await stack.script(await stack.order("E2E-X-1"), [{"event": "created"}], sku="WRONG")
            stale = await stack.script(
                await stack.order("E2E-X-2"), [*TO_REFUND[:-1], {"event": "refund", "stale": True}]
            )
            unpaid = await stack.script(await stack.order("E2E-X-3", paid=False), TO_REFUND)
            odd = await stack.order("E2E-X-4")
            odd_grade = await stack.script(odd, [*TO_REFUND, graded(odd, "SECOND_HAND")])
            secret = stack.env["REBOUND_WEBHOOK_SECRET"]
            body = envelope("01JQ8ZE2E00000000000000ZZ1", sequence=1)
            on_hold = msgspec.json.decode(body)
            on_hold["data"]["order"]["status"] = "ON_HOLD"
            body = msgspec.json.encode(on_hold)
            url = f"{stack.ends.daemon}/webhooks/rebound"
            async with stack.http.post(url, data=body, headers=signed_headers(body, (secret,))) as r:
                assert r.status == 202
            junk = b'{"not": "an envelope"}'
            async with stack.http.post(url, data=junk, headers=signed_headers(junk, (secret,))) as r:
                assert r.status == 400

            assert (await raised(stack, "orphan_return", "cx"))["return_id"] == orphan
            assert (await raised(stack, "return_order_mismatch", "cx"))["return_id"] == wrong_sku
            mismatch = await raised(stack, "refund_mismatch", "finance")
            assert mismatch["return_id"] == stale and mismatch["evidence"]["rebound_total"]
            assert (await raised(stack, "missing_payment", "finance"))["return_id"] == unpaid
            assert (await raised(stack, "unknown_disposition", "merchandising"))["return_id"] == odd_grade
            assert (await raised(stack, "unknown_status", "merchandising"))["evidence"]["raw"] == "ON_HOLD"
            quarantined = await raised(stack, "quarantined_event", "operations")
            assert quarantined["evidence"]["body"] == {"not": "an envelope"}, "kept verbatim"
            # In commercetools: no money moved for the mismatch or the unpaid order, nothing for the
            # orphan or the wrong SKU.
            assert await refunds_for(stack, stale) == 0 and await refunds_for(stack, unpaid) == 0
            orders = (await stack.ct_state())["resources"]["order"]
            with_returns = {o["orderNumber"] for o in orders if o["returnInfo"]}
            assert with_returns == {"E2E-X-2", "E2E-X-3", "E2E-X-4"}


async def test_exceptions_from_failing_calls_then_recovery_once(tmp_path: Path) -> None:
    with anyio.fail_after(120):
        async with running_stack(tmp_path) as stack:
            # ReBound refuses sales orders: order sync keeps failing, then recovers.
            await stack.rebound.post("/_sim/faults", {"fail_next": 1000, "fail_status": 503})
            await stack.order("E2E-F-1")
            failing = await raised(stack, "order_sync_failing", "cx")
            assert failing["evidence"]["order_number"] == "E2E-F-1"
            await stack.rebound.post("/_sim/faults", {"fail_next": 0})
            await eventually(lambda: stack.rebound_sales_order("E2E-F-1"), within=30)

            # commercetools refuses payment and inventory writes: refund_failed and restock_failed,
            # then, once it answers again, exactly one refund and the stock added exactly once.
            refused = [
                {"method": "POST", "path": "/payments/", "error_rate": 1.0},
                {"method": "POST", "path": "/inventory/", "error_rate": 1.0},
            ]
            await stack.ct.put("/_sim/faults", refused)
            order = await stack.order("E2E-F-2")
            rid = await stack.script(order, [*TO_REFUND, graded(order)])
            # The refund and the restock share the order's lock key: their failing attempts (each
            # with commercetools' own retries) take turns, so each exception takes up to twice as long.
            assert (await raised(stack, "refund_failed", "finance", within=50))["return_id"] == rid
            assert (await raised(stack, "restock_failed", "operations", within=50))["return_id"] == rid
            assert await refunds_for(stack, rid) == 0 and (await stack.stock_added())[0] == 0
            await stack.ct.put("/_sim/faults", [])
            units = sum(line["quantity"] for line in order["lineItems"])
            await eventually(lambda: refunds_for(stack, rid), within=40)
            await eventually(lambda: _stock_is(stack, units), within=40)
            await eventually(stack.idle)
            assert await refunds_for(stack, rid) == 1
            added, markers = await stack.stock_added()
            assert added == units and set(markers.values()) == {1}


async def _stock_is(stack: Stack, units: int) -> bool:
    return (await stack.stock_added())[0] == units
