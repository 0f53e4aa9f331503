"""The admin API over a flows `World` (real HTTP on 127.0.0.1), and the CLI pointed at it.

No actors run: the test drains the outbox itself, so every step after an action is deterministic.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import anyio
import msgspec
from aiohttp import web
from aiohttp.test_utils import TestServer

from backflow.app.bootstrap import http_deps, runtime_of
from backflow.app.bootstrap.push import parse_push
from backflow.app.entrypoints.cli import main as cli_main
from backflow.app.entrypoints.http.intake import PushIntake
from backflow.app.entrypoints.http.intake_audit import IntakeAudit
from backflow.app.entrypoints.http.server import create_app
from backflow.app.runtime.api_health import ApiHealth
from backflow.app.runtime.daemon import Wakeups
from tests.integration.flows.conftest import World

TOKEN = "exceptions-test-token-0123456789"


@dataclass
class Admin:
    world: World
    url: str
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.url + path, headers=self._headers("admin")) as response:
            return response.status, await response.json()

    async def post(self, path: str, body: dict[str, Any], *, actor: str = "alice") -> tuple[int, Any]:
        async with self.http.post(self.url + path, json=body, headers=self._headers(actor)) as response:
            return response.status, await response.json()

    async def exception(self, kind: str) -> dict[str, Any]:
        status, listed = await self.get(f"/api/exceptions?type={kind}&state=any")
        assert status == 200
        [found] = listed["items"]
        return found

    async def cli(self, *argv: str) -> int:
        """`backflow exceptions ...` in a worker thread (it runs its own event loop), against this API."""
        env = {"BACKFLOW_ADMIN_URL": self.url, "BACKFLOW_ADMIN_TOKEN": TOKEN}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            return await anyio.to_thread.run_sync(_exit_code, ["exceptions", "--as", "bob", *argv])
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _headers(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}", "X-Backflow-Actor": actor}


def _exit_code(argv: list[str]) -> int:
    try:
        return cli_main(argv)
    except SystemExit as exit_:  # argparse refusing the arguments
        return int(exit_.code or 0)


async def _no_webhook(_: web.Request) -> web.Response:
    return web.Response(status=404)


@asynccontextmanager
async def admin_api(world: World) -> AsyncIterator[Admin]:
    store = world.store
    assert store is not None
    settings = msgspec.structs.replace(world.wiring.settings, admin_token=TOKEN)
    wiring = dataclasses.replace(
        world.wiring, settings=settings, store=dataclasses.replace(world.wiring.store, owners=settings)
    )
    wakeups = Wakeups.create()
    runtime = runtime_of(wiring, world.registry, wakeups, run_id="test")
    audit = IntakeAudit(store=wiring.store, inbox=store.inbox)
    deps = http_deps(
        wiring, runtime, store=store, api_health=ApiHealth(world.clock), timeline=store.timeline, intake=audit
    )
    push = PushIntake(store.inbox, parse_push, world.clock, wakeups.inbox, None)
    server = TestServer(create_app(deps, webhook=_no_webhook, push=push), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield Admin(world, str(server.make_url("")).rstrip("/"), http)
    finally:
        await server.close()
