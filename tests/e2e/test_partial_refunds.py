"""Partial refunds through the whole daemon (issue 13): each return of part of a line is refunded its
exact share rounded once, checked in the commercetools simulator's own payment state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from backflow.devtools.busy_day.catalog import payment_draft
from tests.e2e.stack import Stack, eventually, running_stack
from tests.e2e.test_flows import TO_REFUND

pytestmark = pytest.mark.anyio
LINE_ID = "0b6c1d3e-4f5a-4b7c-8d9e-0a1b2c3d4e13"
SKU = "TEE-BLK-M"  # one of the demo shop's SKUs: seeded in the warehouse's inventory


def _money(cents: int) -> dict[str, Any]:
    return {"currencyCode": "EUR", "centAmount": cents}


def two_units_draft(number: str) -> dict[str, Any]:
    """2 x 24.90 EUR, 19 % VAT included, as commercetools holds it: line total 49.80,
    taxedPrice net 41.85 + tax 7.95 (4980 * 19/119 = 795.13 -> 795)."""
    return {
        "orderNumber": number,
        "customerEmail": f"{number.lower()}@example.com",
        "lineItems": [
            {
                "id": LINE_ID,
                "name": {"en": SKU},
                "variant": {"sku": SKU},
                "price": {"value": _money(2490)},
                "quantity": 2,
                "totalPrice": _money(4980),
                "taxRate": {"name": "DE tax", "amount": 0.19, "includedInPrice": True, "country": "DE"},
                "taxedPrice": {
                    "totalNet": _money(4185),
                    "totalGross": _money(4980),
                    "totalTax": _money(795),
                },
            }
        ],
        "taxMode": "Platform",
        "priceRoundingMode": "HalfEven",
        "taxRoundingMode": "HalfEven",
        "totalPrice": _money(4980),
    }


async def refunds_in_commercetools(stack: Stack, payment_id: str) -> list[int]:
    """The Refund transactions on the order's payment, in the simulator's own state, oldest first."""
    for payment in (await stack.ct_state())["resources"].get("payment", []):
        if payment["id"] == payment_id:
            return [t["amount"]["centAmount"] for t in payment["transactions"] if t["type"] == "Refund"]
    raise AssertionError(f"no payment {payment_id} in the commercetools simulator")


async def test_two_units_returned_one_at_a_time_are_refunded_24_90_each(tmp_path: Path) -> None:
    with anyio.fail_after(60):
        async with running_stack(tmp_path) as stack:
            draft = two_units_draft("E2E-HALVES-1")
            payment = (await stack.ct.post("/_sim/seed", {"payments": [payment_draft(draft)]}))["payments"][0]
            draft["paymentInfo"] = {"payments": [{"typeId": "payment", "id": payment["id"]}]}
            order = (await stack.ct.post("/_sim/seed", {"orders": [draft]}))["orders"][0]
            synced = await eventually(lambda: stack.rebound_sales_order("E2E-HALVES-1"))
            assert [i["unitPrice"] for i in synced["items"]] == ["24.90"]

            # The customer sends one unit back; once it is refunded, the other one.
            first = await stack.script(order, TO_REFUND, quantity=1)
            assert await eventually(lambda: refunds_in_commercetools(stack, payment["id"])) == [2490]
            second = await stack.script(order, TO_REFUND, quantity=1)

            async def both() -> list[int] | None:
                found = await refunds_in_commercetools(stack, payment["id"])
                return found if len(found) == 2 else None

            assert await eventually(both) == [2490, 2490]
            await eventually(stack.idle)
            assert await stack.exceptions("refund_mismatch") == []
            assert await refunds_in_commercetools(stack, payment["id"]) == [2490, 2490]
            for rid in (first, second):
                assert (await stack.case(rid))["case"]["state"] in ("REFUNDED", "CLOSED")
