"""Orders edited in commercetools after purchase (issue 19), through the daemon and both simulators:
each edit is applied with the simulator's OrderEdit API, and the checks read commercetools' payments,
ReBound's sales orders and Backflow's exceptions."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from backflow.devtools.busy_day.catalog import payment_draft
from backflow.devtools.busy_day.driver import TO_REFUND
from tests.e2e.stack import Stack, eventually, running_stack
from tests.e2e.test_flows import graded
from tests.e2e.test_partial_refunds import LINE_ID, SKU, refunds_in_commercetools

pytestmark = pytest.mark.anyio
ADDED_SKU = "TEE-WHT-L"
VAT = {"name": "DE tax", "amount": 0.19, "includedInPrice": True, "country": "DE"}


def _eur(cents: int) -> dict[str, Any]:
    return {"currencyCode": "EUR", "centAmount": cents}


async def _placed(stack: Stack, number: str) -> tuple[dict[str, Any], str]:
    """2 x 24.90 EUR (VAT 19 % included) placed as from a priced cart and paid 49.80; (order, payment id)."""
    draft: dict[str, Any] = {
        "orderNumber": number,
        "customerEmail": f"{number.lower()}@example.com",
        "lineItems": [
            {
                "id": LINE_ID,
                "variant": {"sku": SKU},
                "price": {"value": _eur(2490)},
                "quantity": 2,
                "taxRate": VAT,
            }
        ],
        "totalPrice": _eur(4980),
    }
    payment = (await stack.ct.post("/_sim/seed", {"payments": [payment_draft(draft)]}))["payments"][0]
    draft["paymentInfo"] = {"payments": [{"typeId": "payment", "id": payment["id"]}]}
    order = (await stack.ct.post("/_sim/orders/from-cart", {"orders": [draft]}))["orders"][0]
    assert order["taxedPrice"]["totalNet"]["centAmount"] == 4185
    await eventually(lambda: stack.rebound_sales_order(number))
    return order, payment["id"]


async def edit_order(stack: Stack, order_id: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    """An OrderEdit created and applied through commercetools' API, as an agent's tool would."""
    env = stack.env
    basic = base64.b64encode(f"{env['CTP_CLIENT_ID']}:{env['CTP_CLIENT_SECRET']}".encode()).decode()
    base = stack.ends.commercetools
    async with stack.http.post(
        f"{base}/oauth/token?grant_type=client_credentials", headers={"Authorization": f"Basic {basic}"}
    ) as response:
        token = (await response.json())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{base}/{env['CTP_PROJECT_KEY']}"
    async with stack.http.get(f"{api}/orders/{order_id}", headers=headers) as response:
        version = (await response.json())["version"]
    draft = {"resource": {"typeId": "order", "id": order_id}, "stagedActions": actions, "comment": "CX edit"}
    async with stack.http.post(f"{api}/orders/edits", json=draft, headers=headers) as response:
        edit = await response.json()
    body = {"editVersion": edit["version"], "resourceVersion": version}
    async with stack.http.post(
        f"{api}/orders/edits/{edit['id']}/apply", json=body, headers=headers
    ) as response:
        applied: dict[str, Any] = await response.json()
        assert response.status == 200, applied
    return applied


def _goodwill(total: int) -> dict[str, Any]:
    return {
        "action": "setLineItemTotalPrice",
        "lineItemId": LINE_ID,
        "externalTotalPrice": {"price": _eur(2490), "totalPrice": _eur(total)},
    }


async def _unit_price_in_rebound(stack: Stack, number: str, sku: str, price: str) -> bool:
    found = await stack.rebound_sales_order(number)
    return any(i["sku"] == sku and i["unitPrice"] == price for i in (found or {}).get("items", []))


async def test_goodwill_reduction_before_the_refund_raises_a_mismatch_on_the_stale_proposal(
    tmp_path: Path,
) -> None:
    with anyio.fail_after(90):
        async with running_stack(tmp_path) as stack:
            order, payment = await _placed(stack, "E2E-EDIT-GOODWILL")
            applied = await edit_order(stack, order["id"], [_goodwill(3980)])  # 10.00 off the line
            assert applied["result"]["excerptAfterEdit"]["totalPrice"]["centAmount"] == 3980
            # The edit reaches ReBound as an updated sales order: 39.80 / 2 = 19.90 a unit.
            await eventually(lambda: _unit_price_in_rebound(stack, "E2E-EDIT-GOODWILL", SKU, "19.90"))
            # A return whose proposal still carries the old price (24.90 a unit) is not paid either figure.
            await stack.script(order, TO_REFUND, quantity=1)
            [mismatch] = await eventually(lambda: stack.exceptions("refund_mismatch"))
            evidence = mismatch["evidence"]
            assert (evidence["backflow_total"], evidence["rebound_total"]) == ("19.90", "24.90")
            await eventually(stack.idle)
            assert await refunds_in_commercetools(stack, payment) == []


async def test_an_edit_after_a_partial_refund_leaves_only_what_is_left_to_refund(tmp_path: Path) -> None:
    with anyio.fail_after(90):
        async with running_stack(tmp_path) as stack:
            order, payment = await _placed(stack, "E2E-EDIT-AFTER")
            await stack.script(order, TO_REFUND, quantity=1)
            assert await eventually(lambda: refunds_in_commercetools(stack, payment)) == [2490]
            await edit_order(stack, order["id"], [_goodwill(3980)])
            await eventually(lambda: _unit_price_in_rebound(stack, "E2E-EDIT-AFTER", SKU, "19.90"))
            # The customer finally paid 39.80: the second unit is worth what is left, 39.80 - 24.90.
            await stack.script(order, TO_REFUND, quantity=1, unitPrice="14.90")

            async def both() -> list[int] | None:
                found = await refunds_in_commercetools(stack, payment)
                return found if len(found) == 2 else None

            assert await eventually(both) == [2490, 1490]
            await eventually(stack.idle)
            assert sum(await refunds_in_commercetools(stack, payment)) == 3980
            assert await stack.exceptions("refund_mismatch") == []
            # Finance's reconciliation shows each refund against the order as paid when it was made.
            today = datetime.now(UTC).date().isoformat()
            done = stack.backflow(
                "report", "reconciliation", "--from", today, "--to", today, "--format", "json"
            )
            assert done.returncode == 0, done.stderr
            rows = json.loads(done.stdout)["rows"]["refunds"]
            first, second = sorted(rows, key=lambda r: r["at"])
            assert (first["amount"], first["order_paid"]) == ("24.90", "49.80")
            assert (second["amount"], second["order_paid"]) == ("14.90", "39.80")  # after the edit
            assert second["order_version"] > first["order_version"]


async def test_a_quantity_reduced_below_a_booked_return_is_flagged_and_not_refunded(tmp_path: Path) -> None:
    with anyio.fail_after(90):
        async with running_stack(tmp_path) as stack:
            order, payment = await _placed(stack, "E2E-EDIT-SHORT")
            stock_before, _ = await stack.stock_added()
            await edit_order(
                stack,
                order["id"],
                [{"action": "changeLineItemQuantity", "lineItemId": LINE_ID, "quantity": 1}],
            )
            await eventually(lambda: _unit_price_in_rebound(stack, "E2E-EDIT-SHORT", SKU, "24.90"))
            # The customer's return still claims both units of the line as first ordered, and the hub
            # grades both sellable: neither money nor stock may follow for a unit never shipped.
            steps = [*TO_REFUND, graded(order), {"event": "processed"}]
            rid = await stack.script(order, steps, quantity=2)
            found = await eventually(lambda: _flagged(stack, rid), within=30)
            assert (found["type"], found["owner"]) == ("return_order_mismatch", "cx")
            [problem] = found["evidence"]["problems"]
            assert problem["rule"] == "ReturnedQuantityWithinOrdered"
            assert "2 requested but only 1 remain" in problem["message"]
            await eventually(stack.idle)
            assert await refunds_in_commercetools(stack, payment) == []
            assert (await stack.stock_added())[0] == stock_before


async def _flagged(stack: Stack, rid: str) -> dict[str, Any] | None:
    for kind in ("return_order_mismatch",):
        for found in await stack.exceptions(kind):
            if found.get("return_id") == rid:
                return found
    return None


async def test_a_line_added_is_synced_with_its_paid_price_and_its_return_anchors(tmp_path: Path) -> None:
    with anyio.fail_after(90):
        async with running_stack(tmp_path) as stack:
            order, payment = await _placed(stack, "E2E-EDIT-ADD")
            add = {"action": "addLineItem", "sku": ADDED_SKU, "quantity": 1, "externalPrice": _eur(1999)}
            await edit_order(stack, order["id"], [add])
            await eventually(lambda: _unit_price_in_rebound(stack, "E2E-EDIT-ADD", ADDED_SKU, "19.99"))
            fresh = await stack.ct_order(order["id"])
            added = next(line for line in fresh["lineItems"] if line["variant"]["sku"] == ADDED_SKU)
            rid = await stack.script({**fresh, "lineItems": [added]}, TO_REFUND)
            assert await eventually(lambda: refunds_in_commercetools(stack, payment)) == [1999]
            assert (await stack.case(rid))["case"]["state"] in ("REFUNDED", "CLOSED")
