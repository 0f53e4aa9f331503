"""`GET /metrics` after a short busy day: the Prometheus text parses and its figures are the admin
API's (dead letters, exceptions by owner, liability, refunds); every commercetools call carried
`X-Correlation-ID`."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backflow.devtools.busy_day.driver import TO_REFUND, graded
from tests.e2e.stack import Stack, eventually, running_stack
from tests.integration.deploy.kit import referenced_metrics

pytestmark = pytest.mark.anyio
ORDERS = 6


async def scrape(stack: Stack) -> dict[str, list[Any]]:
    """Samples by name; no admin token (the endpoint is outside it)."""
    async with stack.http.get(f"{stack.ends.daemon}/metrics") as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    samples: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def total(samples: dict[str, list[Any]], name: str, **labels: str) -> float:
    return sum(s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items()))


async def busy_day(stack: Stack) -> None:
    driver = stack.driver(seed=11)
    orders = await driver.seed_orders(driver.drafts(ORDERS, "MX"))
    await driver.wait_in_rebound(ORDERS, within=60)
    # Three EUR orders without an order-level discount: ReBound refunds them at the lines' unit prices,
    # which is exactly what they paid (the returns are booked in EUR).
    exact = [
        o for o in orders if o["totalPrice"]["currencyCode"] == "EUR" and "discountOnTotalPrice" not in o
    ]
    assert len(exact) >= 3, [o["totalPrice"] for o in orders]
    for order in exact[:3]:
        await stack.script(order, [*TO_REFUND, graded(order["lineItems"]), {"event": "processed"}])
    await stack.script("MX-NOT-IN-COMMERCETOOLS", [{"event": "created"}])  # an exception stays open
    await driver.tick_until_delivered(3600, within=60)
    # One refused delivery: a webhook without a valid signature.
    async with stack.http.post(f"{stack.ends.daemon}/webhooks/rebound", data=b"{}") as refused:
        assert refused.status in {400, 401}
    await eventually(stack.idle, within=60)

    async def held_past_the_horizon() -> bool:
        return bool((await stack.admin.get("/api/overview"))["exceptions"])

    await eventually(held_past_the_horizon, within=30)
    await eventually(stack.idle, within=60)


async def test_the_scrape_agrees_with_the_admin_api_after_a_busy_day(tmp_path: Path) -> None:
    with anyio.fail_after(180):
        async with running_stack(tmp_path) as stack:
            await busy_day(stack)
            overview = await stack.admin.get("/api/overview")
            samples = await scrape(stack)

            dead = sum(q["dead"] for q in overview["queues"])
            assert total(samples, "backflow_dead_letters") == dead
            assert total(samples, "backflow_outbox_rows", status="dead") == dead
            by_owner: Counter[str] = Counter()
            for row in overview["exceptions"]:
                by_owner[row["owner"]] += row["count"]
            assert by_owner, "the return over an unknown order leaves an exception open"
            for owner, count in by_owner.items():
                assert total(samples, "backflow_exceptions_open", owner=owner) == count, owner
            for credit in overview["pending_credit"]:
                assert (
                    total(samples, "backflow_pending_credit_liability_minor", currency=credit["currency"])
                    == credit["amount_minor"]
                )
            refunds = await stack.refund_transactions()
            assert len(refunds) == 3
            assert total(samples, "backflow_refunds_issued_total", currency="EUR") == len(refunds)
            assert total(samples, "backflow_refunds_issued_amount_minor_total", currency="EUR") > 0
            added, _ = await stack.stock_added()
            assert total(samples, "backflow_restocked_units_total") == added > 0
            synced = overview["order_sync"]["synced"]
            assert total(samples, "backflow_order_sync_orders", status="synced") == synced
            assert total(samples, "backflow_order_sync_lag_seconds_count") >= ORDERS
            skipped = overview["order_sync"]["resyncs_skipped"]
            assert "backflow_order_sync_resyncs_skipped_total" in samples
            assert total(samples, "backflow_order_sync_resyncs_skipped_total") == skipped
            assert total(samples, "backflow_webhooks_accepted_total", source="rebound") > 0
            refusals = {(r["source"], r["reason"]): r["count"] for r in overview["intake"]["refused"]}
            assert refusals
            for (source, reason), count in refusals.items():
                labels = {"source": source, "reason": reason}
                assert total(samples, "backflow_webhooks_refused_total", **labels) == count
            assert total(samples, "backflow_shadow_writes_total") == overview["shadow"]["writes"] == 0

            calls = samples["backflow_upstream_request_duration_seconds_count"]
            routes = {(s.labels["api"], s.labels["route"]) for s in calls}
            assert ("commercetools", "/orders/{id}") in routes
            assert ("rebound", "/v2/sales-orders/{id}") in routes
            for sample in calls:  # templates only: no order number, id or key in a label
                assert "MX-" not in sample.labels["route"] and "MX-" not in json.dumps(sample.labels)

            missing = referenced_metrics() - set(samples)
            assert not missing, f"the alerts and the dashboard read series no scrape has: {missing}"

            # Every API call the daemon made carried one (that it is the span's trace id is checked
            # with an in-memory exporter in tests/integration/commercetools).
            seen = await stack.ct.get("/_sim/correlations")
            assert seen["missing"] == 0 and seen["recent"]
            assert all(re.fullmatch(r"[0-9a-f]{32}", c["id"]) for c in seen["recent"])
