"""The wiring on real parts: a SQLite file, the commercetools simulator, the ReBound simulator."""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from opentelemetry.trace import NoOpTracer

from backflow.adapters.rebound.client import ReboundClient
from backflow.adapters.rebound.config import ReboundConfig
from backflow.adapters.rebound.tracking_mapper import ReboundTrackingMapper
from backflow.adapters.sqlite.store import SqliteStore
from backflow.adapters.uuid7 import Uuid7Generator
from backflow.app.bootstrap.wiring import Wiring
from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.deps import StoreDeps
from backflow.app.core.settings import FileConfig, Policies, Settings
from backflow.app.runtime.registry import build_registry
from backflow.devtools.commercetools_sim import SimulatorOptions
from backflow.devtools.rebound_sim import SimOptions, Simulator
from backflow.devtools.rebound_sim import create_app as create_rebound_app
from backflow.devtools.rebound_sim.api import FAULTS, SIM
from backflow.ports.monitor import StoreMonitor
from backflow.ports.outbox import RetryPolicy
from tests.integration.commercetools.conftest import Server, start_sim
from tests.integration.flows.support import ShiftClock

CHANNEL = str(uuid.uuid4())
OUTLET = str(uuid.uuid4())
VAT = {"name": "UK VAT", "amount": 0.2, "includedInPrice": True, "country": "GB"}
REASONS = {"Too large": "TOO_LARGE", "Faulty": "FAULTY"}


def file_config(**policies: Any) -> FileConfig:
    return FileConfig(
        reasons=REASONS,
        policies=Policies(supply_channel_id=CHANNEL, orphan_horizon_seconds=3600, **policies),
    )


@dataclass
class World:
    wiring: Wiring
    registry: FlowRegistry
    ct: Server
    rebound: Simulator
    clock: ShiftClock
    rebound_faults: dict[str, Any]
    store: SqliteStore | None = None

    @property
    def monitor(self) -> StoreMonitor:
        """The queues as the admin API reads them."""
        assert self.store is not None
        return self.store.monitor

    def with_config(self, config: FileConfig) -> World:
        """The same world under another TOML configuration (the HTTP app built after sees it too)."""
        new = Settings(db_path=self.wiring.settings.db_path, file=config)
        return dataclasses.replace(
            self,
            wiring=dataclasses.replace(
                self.wiring, settings=new, store=dataclasses.replace(self.wiring.store, owners=new)
            ),
            registry=build_registry(new),
        )

    async def order(
        self,
        lines: list[tuple[str, int, int]],
        *,
        number: str,
        paid: bool = True,
        line_total: int | None = None,
    ) -> dict[str, Any]:
        """An imported GBP order with (sku, quantity, unit pence) lines, VAT included, and its payment.
        `line_total` overrides the first line's total (as a cart discount would)."""
        draft = {
            "orderNumber": number,
            "totalPrice": {"currencyCode": "GBP", "centAmount": sum(q * c for _, q, c in lines)},
            "lineItems": [
                {
                    "name": {"en": sku},
                    "variant": {"sku": sku},
                    "price": {"value": {"currencyCode": "GBP", "centAmount": cents}},
                    "quantity": quantity,
                    "taxRate": VAT,
                }
                for sku, quantity, cents in lines
            ],
        }
        if line_total is None:
            order = await self.ct.call("POST", "/orders/import", draft, expect=(201,))
        else:
            # A price the platform cannot import (OrderImportDraft has no line totalPrice): placed as
            # from a cart whose line has an external total, the simulator working out the rest.
            first = draft["lineItems"][0]
            first["externalTotalPrice"] = {
                "price": first["price"]["value"],
                "totalPrice": {"currencyCode": "GBP", "centAmount": line_total},
            }
            draft["totalPrice"]["centAmount"] += line_total - lines[0][1] * lines[0][2]
            placed = await self.ct.call("POST", "/_sim/orders/from-cart", {"orders": [draft]}, expect=(201,))
            order = placed["orders"][0]
            assert order["totalPrice"] == {
                **draft["totalPrice"],
                "type": "centPrecision",
                "fractionDigits": 2,
            }
        if paid:
            await self.ct.create_payment(order, draft["totalPrice"]["centAmount"], currency="GBP")
        return await self.ct.call("GET", f"/orders/{order['id']}")

    async def ct_order(self, order_id: str) -> dict[str, Any]:
        return await self.ct.call("GET", f"/orders/{order_id}")

    async def ct_payment(self, order: dict[str, Any]) -> dict[str, Any]:
        fresh = await self.ct_order(order["id"])
        return await self.ct.call("GET", f"/payments/{fresh['paymentInfo']['payments'][0]['id']}")

    async def stock(self, sku: str, channel: str = CHANNEL) -> int:
        found = await self.ct.call("GET", f"/inventory?where=sku%3D%22{sku}%22")
        entry = next(e for e in found["results"] if (e.get("supplyChannel") or {}).get("id") == channel)
        return int(entry["quantityOnStock"])

    def script(
        self,
        order: dict[str, Any] | str,
        items: list[dict[str, Any]],
        steps: list[dict[str, Any]],
        **extra: Any,
    ) -> tuple[str, list[bytes]]:
        """A scripted return in the ReBound simulator; returns its id and the emitted events' bodies."""
        number = order if isinstance(order, str) else order["orderNumber"]
        ret, ids = self.rebound.script({"clientOrderId": number, "items": items, "steps": steps, **extra})
        bodies = {e.event.id: e.body for e in self.rebound.state.events}
        return ret.return_id, [bodies[event_id] for event_id in ids]


def item(
    order: dict[str, Any], index: int = 0, *, quantity: int = 1, reason: str = "Too large", **extra: Any
) -> dict[str, Any]:
    line = order["lineItems"][index]
    unit = line["totalPrice"]["centAmount"] // line["quantity"]
    return {
        "clientItemId": line["id"],
        "sku": line["variant"]["sku"],
        "quantity": quantity,
        "unitPrice": f"{unit // 100}.{unit % 100:02d}",
        "reasonCode": reason,
        **extra,
    }


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    runner, url, app = await start_sim(
        SimulatorOptions(project_key="bf-flows", client_id="backflow", client_secret="secret")
    )
    ct = Server("sim", url, "bf-flows", app=app)
    rebound_server = TestServer(
        create_rebound_app(SimOptions(seed=5, start=datetime.now(UTC))), host="127.0.0.1"
    )
    await rebound_server.start_server()
    clock = ShiftClock()
    settings = Settings(db_path=tmp_path / "flows.sqlite", file=file_config())
    try:
        await ct.call(
            "POST",
            "/types",
            {
                "key": "backflow-return-item",
                "name": {"en": "Return item"},
                "resourceTypeIds": ["order-return-item"],
                "fieldDefinitions": [
                    {
                        "name": "reasonCode",
                        "label": {"en": "Reason"},
                        "required": False,
                        "inputHint": "SingleLine",
                        "type": {
                            "name": "Enum",
                            "values": [{"key": k, "label": k} for k in ("TOO_LARGE", "FAULTY", "COLOUR")],
                        },
                    }
                ],
            },
        )
        config = ReboundConfig(
            api_url=str(rebound_server.make_url("")).rstrip("/"),
            client_id="backflow",
            client_secret="sim-client-secret",
        )

        async def no_sleep(_: float) -> None:
            return None

        async with (
            SqliteStore.open(
                settings.db_path,
                clock=clock,
                ids=Uuid7Generator(),
                policy=RetryPolicy(base_seconds=60, max_attempts=5),
            ) as store,
            ct.adapter() as commerce,
            aiohttp.ClientSession() as session,
        ):
            await commerce.prepare()
            platform = ReboundClient(config, session, sleep=no_sleep, rng=random.Random(1))
            wiring = Wiring(
                settings=settings,
                store=StoreDeps(
                    unit_of_work=store.unit_of_work, clock=clock, tracer=NoOpTracer(), owners=settings
                ),
                inbox=store.inbox,
                outbox=store.outbox,
                commerce=commerce,
                platform=platform,
                watermarks=store.watermarks,
                timeline=store.timeline,
                reports=store.reports,
                tracking=ReboundTrackingMapper(settings.file.rebound.status_table()),
            )
            yield World(
                wiring,
                build_registry(settings),
                ct,
                rebound_server.app[SIM],
                clock,
                rebound_server.app[FAULTS],
                store,
            )
    finally:
        await rebound_server.close()
        await runner.cleanup()
