"""A whole daemon in-process: both simulators on 127.0.0.1, a SQLite file in tmp_path, port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest
from aiohttp.test_utils import TestServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from backflow.app.bootstrap import Daemon, bootstrap
from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.settings import RuntimeSettings, Settings
from backflow.app.runtime.supervisor import RestartPolicy
from backflow.devtools.commercetools_sim import SimulatorOptions
from backflow.devtools.commercetools_sim import create_app as ct_app
from backflow.devtools.rebound_sim import SimOptions
from backflow.devtools.rebound_sim import create_app as rb_app
from backflow.ports.outbox import RetryPolicy
from tests.rebound_support import SECRET

QUICK_RESTART = RestartPolicy(initial_delay=0.3)
ADMIN_TOKEN = "admin-token-for-tests-0123456789"
FAST = RuntimeSettings(lease_seconds=5.0, poll_seconds=0.2, inbox_max_attempts=2, shutdown_grace_seconds=5.0)


@dataclass
class Sims:
    commercetools: TestServer
    rebound: TestServer

    @property
    def env(self) -> dict[str, str]:
        ct = str(self.commercetools.make_url("")).rstrip("/")
        rb = str(self.rebound.make_url("")).rstrip("/")
        return {
            "CTP_PROJECT_KEY": "backflow-sim",
            "CTP_CLIENT_ID": "sim-client",
            "CTP_CLIENT_SECRET": "sim-secret",
            "CTP_AUTH_URL": ct,
            "CTP_API_URL": ct,
            "REBOUND_API_URL": rb,
            "REBOUND_CLIENT_ID": "backflow",
            "REBOUND_CLIENT_SECRET": "sim-client-secret",
            "REBOUND_WEBHOOK_SECRET": SECRET,
        }

    async def seed_order(self, number: str, sku: str = "TEE", cents: int = 2500) -> dict[str, Any]:
        draft = {
            "orderNumber": number,
            "totalPrice": {"currencyCode": "EUR", "centAmount": cents},
            "lineItems": [
                {
                    "name": {"en": sku},
                    "variant": {"sku": sku},
                    "price": {"value": {"currencyCode": "EUR", "centAmount": cents}},
                    "quantity": 1,
                    "taxRate": {"name": "VAT", "amount": 0.19, "includedInPrice": True, "country": "DE"},
                }
            ],
        }
        async with aiohttp.ClientSession() as http:
            url = self.commercetools.make_url("/_sim/seed")
            async with http.post(
                url, json={"orders": [draft], "inventory": [{"sku": sku, "quantityOnStock": 3}]}
            ) as r:
                assert r.status == 201, await r.text()
                created: dict[str, Any] = await r.json()
        order: dict[str, Any] = created["orders"][0]
        return order


@pytest.fixture
async def sims() -> AsyncIterator[Sims]:
    ct = TestServer(ct_app(SimulatorOptions()), host="127.0.0.1")
    rb = TestServer(rb_app(SimOptions(webhook_secrets=(SECRET,))), host="127.0.0.1")
    await ct.start_server()
    await rb.start_server()
    try:
        yield Sims(ct, rb)
    finally:
        await rb.close()
        await ct.close()


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(spans: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return provider


@dataclass
class Running:
    daemon: Daemon
    url: str
    http: aiohttp.ClientSession

    def admin(self, token: str = ADMIN_TOKEN) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, **kwargs: Any) -> tuple[int, Any]:
        kwargs.setdefault("headers", self.admin())
        async with self.http.get(self.url + path, **kwargs) as response:
            return response.status, await response.json()

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        kwargs.setdefault("headers", self.admin())
        async with self.http.post(self.url + path, json=body, **kwargs) as response:
            return response.status, await response.json()


DaemonFactory = Callable[..., AbstractAsyncContextManager[Running]]


@pytest.fixture
def daemon(tmp_path: Path, sims: Sims, provider: TracerProvider) -> DaemonFactory:
    @asynccontextmanager
    async def start(
        registry: FlowRegistry,
        *,
        admin_token: str | None = ADMIN_TOKEN,
        runtime: RuntimeSettings = FAST,
        shadow: bool = False,
        retry_policy: RetryPolicy | None = None,
        restart_policy: RestartPolicy = QUICK_RESTART,
        timeline: Any = None,
        db_path: Path | None = None,
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> AsyncIterator[Running]:
        config = Settings(
            db_path=db_path or tmp_path / "backflow.sqlite3",
            http_port=0,
            admin_token=admin_token,
            shadow=shadow,
            runtime=runtime,
            **settings,
        )
        async with (
            bootstrap(
                config,
                registry,
                env={**sims.env, **(env or {})},
                tracer_provider=provider,
                retry_policy=retry_policy,
                restart_policy=restart_policy,
                timeline=timeline,
            ) as built,
            anyio.create_task_group() as tg,
        ):
            port = await tg.start(
                lambda task_status: built.run(handle_signals=False, task_status=task_status)
            )
            async with aiohttp.ClientSession() as http:
                try:
                    yield Running(built, f"http://127.0.0.1:{port}", http)
                finally:
                    built.runtime.stop()

    return start


def registry(**kwargs: Any) -> FlowRegistry:
    return FlowRegistry(
        outbox_handlers=kwargs.get("outbox_handlers", {}),
        actors=kwargs.get("actors", ()),
        inbox_handlers=kwargs.get("inbox_handlers", {}),
        jobs=kwargs.get("jobs", ()),
    )


async def eventually(check: Callable[[], Any], *, within: float = 5.0, interval: float = 0.02) -> Any:
    """Polls `check` (sync or async) until it returns something truthy."""
    with anyio.fail_after(within):
        while True:
            result = check()
            if hasattr(result, "__await__"):
                result = await result
            if result:
                return result
            await anyio.sleep(interval)
