"""`--shadow`: reads reach both systems, writes reach neither and are recorded instead."""

from __future__ import annotations

from typing import Any

import aiohttp
import anyio
import msgspec
import pytest

from backflow.devtools.rebound_sim.api import SIM
from backflow.domain.money import Money
from backflow.ports.commerce_types import ReturnItemRequest
from backflow.ports.returns_platform import Acknowledgement, AcknowledgementType, UpsertOutcome
from tests.integration.runtime.conftest import DaemonFactory, Sims, registry

pytestmark = pytest.mark.anyio


async def state(sims: Sims) -> tuple[Any, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(sims.commercetools.make_url("/_sim/state")) as ct:
            commercetools = await ct.json()
        async with http.get(sims.rebound.make_url("/_sim/state")) as rb:
            rebound = await rb.json()
    return commercetools, rebound


async def test_shadow_mode_writes_nothing_and_records_every_write(daemon: DaemonFactory, sims: Sims) -> None:
    seeded = await sims.seed_order("CT-500")
    with anyio.fail_after(20):
        async with daemon(registry(), shadow=True) as run:
            before = await state(sims)
            commerce, platform = run.daemon.wiring.commerce, run.daemon.wiring.platform
            order = await commerce.get_order(seeded["id"])  # a real read
            line = order.lineItems[0]
            item = ReturnItemRequest(key="rb-item-1", quantity=1, line_item_id=line.id)
            after_write = await commerce.add_return_info(order.id, [item])
            assert after_write.id == order.id, "the order as it stands comes back"
            restocked = await commerce.restock("TEE", None, 1, "restock-1")
            assert restocked.applied and restocked.entry.quantityOnStock == 3, "the entry as it is"
            refund = await commerce.add_refund("pay-1", Money.minor(2500, "EUR"), "refund-1")
            assert (refund.interactionId, refund.amount.centAmount) == ("refund-1", 2500)
            upserted = await platform.upsert_sales_order(order)
            assert upserted.outcome is UpsertOutcome.CREATED and upserted.order.clientOrderId == "CT-500"
            await platform.acknowledge(
                "RB-1", Acknowledgement(type=AcknowledgementType.REFUNDED), idempotency_key="ack-1"
            )

            after = await state(sims)
            assert after == before, "neither simulator saw a write"
            rebound = sims.rebound.app[SIM].state
            assert rebound.orders == {} and rebound.acknowledgements == {}
            recorded = await run.daemon.composition.store.shadow_log.recent()
            operations = [(w.target, w.operation) for w in reversed(recorded)]
            assert operations == [
                ("commercetools", "add_return_info"),
                ("commercetools", "restock"),
                ("commercetools", "add_refund"),
                ("rebound", "upsert_sales_order"),
                ("rebound", "acknowledge"),
            ]
            arguments = msgspec.json.decode(recorded[-1].arguments)
            assert arguments["items"][0]["key"] == "rb-item-1" and arguments["order_id"] == order.id
            overview = (await run.get("/api/overview"))[1]
            assert overview["shadow"] == {"enabled": True, "writes": 5}
