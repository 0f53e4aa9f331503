"""Alerts reach a webhook (a local receiver on 127.0.0.1 that fails once, then accepts) through the
outbox with retry; once per exception and reason: when it opens and when it passes its age limit."""

from __future__ import annotations

import dataclasses
from typing import Any

import anyio
import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backflow.adapters.webhook_alerts import WebhookAlertSender
from backflow.app.core.settings import AlertSettings, FileConfig
from backflow.app.notify.queue_alerts import queue_alerts
from tests.integration.flows.conftest import World, file_config
from tests.integration.flows.support import drain, exceptions, run_job
from tests.integration.flows.test_exception_actions import _orphan


@pytest.mark.anyio
async def test_an_alert_is_retried_through_the_outbox_and_sent_once_per_reason(world: World) -> None:
    received: list[dict[str, Any]] = []
    answers = [500]

    async def receive(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/hook", receive)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    sender = WebhookAlertSender(str(server.make_url("/hook")), timeout_seconds=5)
    try:
        with anyio.fail_after(30):
            base = file_config()
            config: FileConfig = msgspec.structs.replace(
                base,
                alerts=AlertSettings(
                    webhook_url=str(server.make_url("/hook")), age_limit_by_type={"orphan_return": 7200}
                ),
            )
            world = world.with_config(config)
            world = dataclasses.replace(world, wiring=dataclasses.replace(world.wiring, alerts=sender))
            await _orphan(world)
            [orphan] = await exceptions(world.wiring, "orphan_return")
            await run_job(world.wiring, queue_alerts)
            await run_job(world.wiring, queue_alerts)  # already queued: nothing more
            errors = await drain(world.wiring, world.registry)
            assert len(errors) == 1 and "500" in errors[0], errors
            world.clock.advance(3600)  # past the retry's backoff
            assert await drain(world.wiring, world.registry) == []
            assert [(r["exception_id"], r["reason"]) for r in received] == [(orphan.id, "opened")] * 2
            assert received[-1]["type"] == "orphan_return" and received[-1]["owner"] == "cx"
            assert "orphan_return for cx: opened" in received[-1]["text"]
            await run_job(world.wiring, queue_alerts)
            assert await drain(world.wiring, world.registry) == []
            assert len(received) == 2, "opened is alerted once"
            world.clock.advance(7200)  # past this type's age limit
            await run_job(world.wiring, queue_alerts)
            await run_job(world.wiring, queue_alerts)
            assert await drain(world.wiring, world.registry) == []
            assert [r["reason"] for r in received] == ["opened", "opened", "age_limit"]
            async with world.wiring.store.unit_of_work() as uow:
                events = await uow.exceptions.events(orphan.id)
            assert [e.note for e in events if e.action == "alert_queued"] == ["opened", "age_limit"]
    finally:
        await sender.aclose()
        await server.close()
