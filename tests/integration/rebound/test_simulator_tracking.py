"""The ReBound simulator's tracking updates (published format) over each channel into a whole
daemon: HTTP with each auth scheme, a Pub/Sub push with the simulator's OIDC token, an SFTP drop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import msgspec
import pytest
from aiohttp.test_utils import TestServer

from backflow.adapters.rebound.tracking import decode_tracking_update
from backflow.app.runtime.registry import build_registry
from backflow.devtools.rebound_sim import SFTP, create_app
from backflow.devtools.rebound_sim.api import SIM
from backflow.devtools.rebound_sim.engine import Simulator
from backflow.devtools.rebound_sim.options import SimOptions
from backflow.devtools.rebound_sim.tracking_format import auth_headers
from tests.integration.rebound.test_sftp_daemon import sftp_env
from tests.integration.rebound.test_tracking_daemon import case_of, rebound_status
from tests.integration.runtime.conftest import DaemonFactory, Running, Sims, eventually
from tests.sftp_support import sftp_server

pytestmark = pytest.mark.anyio

MILESTONES = [{"event": e} for e in ("created", "in_transit", "arrived_at_hub", "delivered")]
ITEMS = [
    {"clientItemId": "line-1", "sku": "TEE-M", "quantity": 2, "unitPrice": "35.00", "reasonCode": "Too large"}
]


def script(sim: Simulator, order: str) -> str:
    ret, _ = sim.script({"clientOrderId": order, "items": ITEMS, "steps": MILESTONES})
    return ret.rebound_order_id


async def deliver(sims: Sims) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.post(sims.rebound.make_url("/_sim/deliver")) as response:
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer


async def delivered_once(run: Running, rebound_id: str) -> None:
    async def delivered() -> bool:
        return await rebound_status(run, rebound_id) == "DELIVERED"

    await eventually(delivered, within=10)
    _, listed = await run.get("/api/returns", params={"query": rebound_id})
    assert [item["return_id"] for item in listed["items"]] == [rebound_id]
    found = await case_of(run, rebound_id)
    assert found is not None
    assert [e["outcome"] for e in found["timeline"]].count("applied") == len(MILESTONES)


def test_the_published_format_has_string_quantities_and_no_envelope() -> None:
    sim = Simulator(SimOptions(tracking_url="http://127.0.0.1:9/t"))
    rid = script(sim, "CT-1")
    bodies = [p.body for p in sim.tracking.pending]
    raw = msgspec.json.decode(bodies[-1])
    assert set(raw) == {"order", "items"} and raw["items"][0]["quantity"] == "2"
    updates = [decode_tracking_update(body) for body in bodies]
    assert [u.status_description for u in updates] == [
        "Return Order Created",
        "Entered Our Network",
        "Arrived at Our Hub",
        "Delivered",
    ]
    assert {u.rebound_order_id for u in updates} == {rid} and rid.startswith("(00)")


@pytest.mark.parametrize(
    ("scheme", "secret"),
    [("hmac", "whsec-track-1"), ("header:X-ReBound-Token", "tok-123456"), ("basic", "rebound:pw-77")],
)
async def test_http_with_each_auth_scheme(
    daemon: DaemonFactory, sims: Sims, scheme: str, secret: str
) -> None:
    sim = sims.rebound.app[SIM]
    env = {"REBOUND_WEBHOOK_AUTH": scheme, "REBOUND_WEBHOOK_SECRET": secret}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=env) as run:
            sim.options.tracking_url = f"{run.url}/webhooks/rebound/tracking"
            sim.options.tracking_auth, sim.options.tracking_secret = scheme, secret
            rid = script(sim, "CT-HTTP-1")
            answer = await deliver(sims)
            assert {(a["channel"], a["http_status"]) for a in answer["tracking"]} == {("http", 202)}
            await delivered_once(run, rid)


async def test_a_wrong_secret_is_refused_and_retried(daemon: DaemonFactory, sims: Sims) -> None:
    sim = sims.rebound.app[SIM]
    env = {"REBOUND_WEBHOOK_AUTH": "header:X-ReBound-Token", "REBOUND_WEBHOOK_SECRET": "right-token"}
    with anyio.fail_after(30):
        async with daemon(build_registry, env=env) as run:
            sim.options.tracking_url = f"{run.url}/webhooks/rebound/tracking"
            sim.options.tracking_auth, sim.options.tracking_secret = "header:X-ReBound-Token", "wrong"
            rid = script(sim, "CT-HTTP-2")
            answer = await deliver(sims)
            assert {a["outcome"] for a in answer["tracking"]} == {"failed"}
            assert await case_of(run, rid) is None
            sim.options.tracking_secret = "right-token"
            await deliver(sims)
            await delivered_once(run, rid)
            assert sim.tracking.pending == []


async def test_pubsub_push_with_the_simulators_oidc_token(daemon: DaemonFactory, sims: Sims) -> None:
    sim = sims.rebound.app[SIM]
    audience = "https://backflow.example/events/rebound"
    env = {
        "BACKFLOW_PUSH_OIDC_AUDIENCE": audience,
        "BACKFLOW_PUSH_OIDC_EMAIL": sim.options.push_email,
        "BACKFLOW_PUSH_OIDC_CERTS_URL": str(sims.rebound.make_url("/_sim/oidc/certs")),
    }
    with anyio.fail_after(30):
        async with daemon(build_registry, env=env, push_token="push-tok-9") as run:
            sim.options.push_url = f"{run.url}/events/rebound?token=push-tok-9"
            sim.options.push_audience = "https://someone-else.example/"
            rid = script(sim, "CT-PUSH-1")
            refused = await deliver(sims)
            assert {a["http_status"] for a in refused["tracking"]} == {401}, "the audience is checked"
            sim.options.push_audience = audience
            answer = await deliver(sims)
            assert {(a["channel"], a["http_status"]) for a in answer["tracking"]} == {("pubsub", 200)}
            await delivered_once(run, rid)


async def test_sftp_files_in_the_served_drop_folder(
    daemon: DaemonFactory, sims: Sims, tmp_path: Path
) -> None:
    sim = sims.rebound.app[SIM]
    with anyio.fail_after(30):
        async with sftp_server(tmp_path / "sftp") as server:
            env = {"REBOUND_WEBHOOK_SECRET": "x", **sftp_env(server)}
            async with daemon(build_registry, env=env) as run:
                sim.options.sftp_dir = str(server.drop)
                rid = script(sim, "CT-SFTP-1")
                answer = await deliver(sims)
                assert [a["channel"] for a in answer["tracking"]] == ["sftp"] * len(MILESTONES)
                await delivered_once(run, rid)
                processed = server.drop / "processed"
                await eventually(lambda: len(list(processed.glob("*.json"))) == len(MILESTONES), within=10)


def test_auth_headers_name_an_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="tracking_auth must be"):
        auth_headers("bearer", "x", b"", 0)


async def test_the_simulators_own_sftp_server(daemon: DaemonFactory, tmp_path: Path) -> None:
    options = SimOptions(sftp_root=str(tmp_path / "rebound-sftp"), sftp_password="pw-sim-sftp-4")
    rebound = TestServer(create_app(options), host="127.0.0.1")
    with anyio.fail_after(30):
        await rebound.start_server()
        try:
            served = rebound.app[SFTP]
            env = {
                "REBOUND_WEBHOOK_SECRET": "x",
                "REBOUND_SFTP_HOST": "127.0.0.1",
                "REBOUND_SFTP_PORT": str(served.port),
                "REBOUND_SFTP_USER": served.username,
                "REBOUND_SFTP_PASSWORD": "pw-sim-sftp-4",
                "REBOUND_SFTP_KNOWN_HOSTS": served.known_hosts,
                "REBOUND_SFTP_DIR": "drop",
                "REBOUND_SFTP_POLL_SECONDS": "0.05",
            }
            async with daemon(build_registry, env=env) as run:
                rid = script(rebound.app[SIM], "CT-SFTP-2")
                async with aiohttp.ClientSession() as http, http.post(rebound.make_url("/_sim/deliver")) as r:
                    assert r.status == 200
                await delivered_once(run, rid)
                async with aiohttp.ClientSession() as http, http.get(rebound.make_url("/_sim/tracking")) as r:
                    listed = await r.json()
                assert listed["sftp_server"]["port"] == served.port and listed["channels"] == ["sftp"]
        finally:
            await rebound.close()


async def test_the_clock_loop_backs_off_and_gives_up() -> None:
    sim = Simulator(SimOptions(tracking_url="http://127.0.0.1:9/refused", retry_base=30, tracking_attempts=2))
    script(sim, "CT-DOWN-1")
    now = sim.now
    with anyio.fail_after(20):
        async with aiohttp.ClientSession() as http:
            first = await sim.tracking.flush(http, now)
            assert {a.outcome for a in first} == {"failed"} and len(first) == len(MILESTONES)
            assert await sim.tracking.flush(http, now + timedelta(seconds=29)) == [], "not due yet"
            last = await sim.tracking.flush(http, now + timedelta(seconds=30))
            assert {(a.outcome, a.attempt) for a in last} == {("abandoned", 2)}
    assert sim.tracking.pending == []
