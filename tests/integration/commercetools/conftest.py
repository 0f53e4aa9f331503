"""Two servers for one contract suite: the simulator (in-process) and the npm mock (a Node process)."""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from backflow.adapters.commercetools import CommercetoolsAdapter, CommercetoolsConfig
from backflow.devtools.commercetools_sim import SimulatorOptions, create_app
from backflow.devtools.net import free_port, listening

ROOT = Path(__file__).resolve().parents[3]
MOCK_SCRIPT = Path(__file__).with_name("ctmock_server.mjs")
MOCK_PACKAGE = ROOT / "node_modules" / "@labdigital" / "commercetools-mock"


@pytest.fixture(scope="session")
def ctmock_url() -> Iterator[str]:
    node = shutil.which("node")
    if node is None or not MOCK_PACKAGE.exists():
        pytest.skip("ctmock: `node` or node_modules/@labdigital/commercetools-mock missing (run `make node`)")
    port = free_port()
    process = subprocess.Popen(
        [node, str(MOCK_SCRIPT), str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"commercetools-mock exited early: {output}")
            if listening(port):
                break
            if time.monotonic() > deadline:
                pytest.fail("commercetools-mock did not start within 30 s")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Server:
    """One server under test, with helpers that seed it through its plain HTTP API."""

    kind: str  # "sim" or "ctmock"
    url: str
    project_key: str
    client_id: str = "backflow"
    client_secret: str = "secret"
    app: web.Application | None = None
    _token: str | None = field(default=None, repr=False)
    _products: set[str] = field(default_factory=set, repr=False)

    @property
    def is_sim(self) -> bool:
        return self.kind == "sim"

    def config(self, **overrides: Any) -> CommercetoolsConfig:
        scopes = (
            tuple(
                f"{s}:{self.project_key}"
                for s in (
                    "manage_orders",
                    "manage_payments",
                    "manage_products",
                    "view_messages",
                    "manage_types",
                )
            )
            if self.is_sim
            else (f"manage_project:{self.project_key}",)
        )
        settings: dict[str, Any] = {"request_timeout": 5.0, "backoff_base": 0.01, "backoff_cap": 0.05}
        settings.update(overrides)
        return CommercetoolsConfig(
            project_key=self.project_key,
            client_id=self.client_id,
            client_secret=self.client_secret,
            auth_url=self.url,
            api_url=self.url,
            scopes=scopes,
            **settings,
        )

    def adapter(self, **overrides: Any) -> CommercetoolsAdapter:
        return CommercetoolsAdapter(self.config(**overrides))

    # ------------------------------------------------------------------ raw HTTP seeding
    async def call(
        self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)
    ) -> Any:
        async with aiohttp.ClientSession() as session:
            if self._token is None:
                basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
                params = {"grant_type": "client_credentials", "scope": " ".join(self.config().scopes)}
                async with session.post(
                    f"{self.url}/oauth/token",
                    params=params,
                    data=b"",
                    headers={
                        "Authorization": f"Basic {basic}",
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                ) as response:
                    self._token = (await response.json())["access_token"]
            url = f"{self.url}/{self.project_key}{path}" if not path.startswith("/_sim") else self.url + path
            headers = {"Authorization": f"Bearer {self._token}"}
            async with session.request(method, url, json=body, headers=headers) as response:
                payload = await response.json()
                assert response.status in expect, (response.status, payload)
                return payload

    async def create_order(
        self, lines: list[tuple[str, int, int]], *, number: str | None = None, currency: str = "EUR"
    ) -> dict[str, Any]:
        """Import an order with (sku, quantity, unit cents) lines; returns the order JSON."""
        if not self.is_sim:
            # The mock resolves import line items against products (the real API does not need one).
            for sku, _, _ in lines:
                await self._ensure_product(sku)
        draft = {
            "orderNumber": number or f"BF-{uuid.uuid4().hex[:10]}",
            "totalPrice": {"currencyCode": currency, "centAmount": sum(q * c for _, q, c in lines)},
            "lineItems": [
                {
                    "name": {"en": sku},
                    "variant": {"sku": sku},
                    "price": {"value": {"currencyCode": currency, "centAmount": cents}},
                    "quantity": quantity,
                }
                for sku, quantity, cents in lines
            ],
        }
        # Real commercetools answers an import with 201; the mock answers 200 (contract §11).
        return await self.call("POST", "/orders/import", draft, expect=(201,) if self.is_sim else (200,))

    async def _ensure_product(self, sku: str) -> None:
        if sku in self._products:
            return
        self._products.add(sku)
        found = await self.call("GET", "/product-types?where=key%3D%22bf-type%22")
        if found["results"]:
            type_id = found["results"][0]["id"]
        else:
            created = await self.call(
                "POST", "/product-types", {"key": "bf-type", "name": "bf", "description": ""}
            )
            type_id = created["id"]
        await self.call(
            "POST",
            "/products",
            {
                "productType": {"typeId": "product-type", "id": type_id},
                "name": {"en": sku},
                "slug": {"en": f"p-{sku.lower()}-{uuid.uuid4().hex[:6]}"},
                "masterVariant": {"sku": sku},
            },
        )

    async def create_payment(
        self, order: dict[str, Any], cents: int, currency: str = "EUR"
    ) -> dict[str, Any]:
        money = {"currencyCode": currency, "centAmount": cents}
        payment = await self.call(
            "POST",
            "/payments",
            {
                "amountPlanned": money,
                "transactions": [{"type": "Charge", "amount": money, "state": "Success"}],
            },
        )
        await self.call(
            "POST",
            f"/orders/{order['id']}",
            {
                "version": order["version"],
                "actions": [{"action": "addPayment", "payment": {"typeId": "payment", "id": payment["id"]}}],
            },
        )
        return payment

    async def create_channel(self) -> str:
        if self.is_sim:
            return str(uuid.uuid4())  # the simulator does not model channels (docs/commercetools.md)
        channel = await self.call(
            "POST", "/channels", {"key": f"wh-{uuid.uuid4().hex[:8]}", "roles": ["InventorySupply"]}
        )
        return str(channel["id"])

    async def create_inventory(self, sku: str, quantity: int, channel_id: str | None) -> dict[str, Any]:
        draft: dict[str, Any] = {"sku": sku, "quantityOnStock": quantity}
        if channel_id is not None:
            draft["supplyChannel"] = {"typeId": "channel", "id": channel_id}
        return await self.call("POST", "/inventory", draft)

    async def create_reason_type(self) -> None:
        await self.call(
            "POST",
            "/types",
            {
                "key": "return-reason",
                "name": {"en": "Return reason"},
                "resourceTypeIds": ["order-return-item"],
                "fieldDefinitions": [
                    {
                        "name": "reasonCode",
                        "label": {"en": "Reason"},
                        "required": False,
                        "type": {
                            "name": "Enum",
                            "values": [
                                {"key": "TOO_SMALL", "label": "Too small"},
                                {"key": "DAMAGED", "label": "Damaged"},
                            ],
                        },
                        "inputHint": "SingleLine",
                    }
                ],
            },
        )


async def start_sim(options: SimulatorOptions) -> tuple[web.AppRunner, str, web.Application]:
    app = create_app(options)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}", app


@pytest.fixture
async def sim() -> AsyncIterator[Server]:
    options = SimulatorOptions(project_key="bf-sim", client_id="backflow", client_secret="secret")
    runner, url, app = await start_sim(options)
    try:
        yield Server("sim", url, "bf-sim", app=app)
    finally:
        await runner.cleanup()


@pytest.fixture(params=["sim", pytest.param("ctmock", marks=pytest.mark.ctmock)])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[Server]:
    if request.param == "ctmock":
        url = request.getfixturevalue("ctmock_url")
        # The mock keeps separate storage per project key: a fresh key isolates each test.
        yield Server("ctmock", url, f"bf-{uuid.uuid4().hex[:8]}")
        return
    options = SimulatorOptions(project_key="bf-sim", client_id="backflow", client_secret="secret")
    runner, url, app = await start_sim(options)
    try:
        yield Server("sim", url, "bf-sim", app=app)
    finally:
        await runner.cleanup()
