"""One return through each channel ReBound publishes tracking updates on, simulator and daemon as
processes: HTTP with a static header token, a Pub/Sub push with an OIDC token (the simulator signs
it and serves the certificates), and files in an SFTP drop folder. Each ends in the same state,
one case in /api/returns, every milestone stored once, the return recorded in commercetools once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from backflow.devtools.stack.layout import Endpoints
from tests.e2e.stack import Stack, eventually, running_stack
from tests.integration.rebound.test_sftp_daemon import sftp_env
from tests.sftp_support import sftp_server

pytestmark = pytest.mark.anyio

MILESTONES = [{"event": e} for e in ("created", "in_transit", "arrived_at_hub", "delivered")]
TOKEN = "rb-tracking-token-e2e-3a9"
PUSH_TOKEN = "push-token-e2e-tracking-51"
AUDIENCE = "https://backflow.example/events/rebound"
EMAIL = "rebound-push@rebound-sim.iam.gserviceaccount.com"
HEADER_AUTH = {"REBOUND_WEBHOOK_AUTH": "header:X-ReBound-Token", "REBOUND_WEBHOOK_SECRET": TOKEN}


async def one_return(stack: Stack, number: str, channel: dict[str, Any]) -> str:
    """A return over a synced order, its milestones sent on `channel` only; ReBound's "(00)…" id."""
    order = await stack.order(number)
    # Contract webhooks off: the tracking updates alone must bring the return in.
    await stack.rebound.post("/_sim/faults", {"webhook_url": None, **channel})
    return_id = await stack.script(order, MILESTONES)
    found = await stack.rebound.get(f"/_sim/returns/{return_id}")
    return str(found["snapshot"]["order"]["reboundOrderId"])


async def end_state(stack: Stack, rebound_id: str, channel: str) -> tuple[Any, ...]:
    async def delivered() -> bool:
        case = (await stack.case(rebound_id)).get("snapshot", {}).get("case", {})
        return bool(case.get("rebound_status") == "DELIVERED")

    await eventually(delivered, within=20)
    await eventually(lambda: _recorded(stack, rebound_id), within=20)
    await eventually(stack.idle, within=20)
    # An update that lost a race with the anchoring's write to the case is retried after a short
    # backoff (held in memory, so the queues look idle meanwhile): wait until every update delivered
    # has been taken in once; a fifth would still fail the count below.
    detail = await eventually(lambda: _all_taken_in(stack, rebound_id), within=20)
    listed = await stack.admin.get(f"/api/returns?query={rebound_id}")
    actions = [entry["action"] for entry in detail["timeline"]]
    sent = await stack.rebound.get("/_sim/tracking")
    outcomes = [(a["channel"], a["outcome"]) for a in sent["attempts"] if a["rebound_order_id"] == rebound_id]
    assert outcomes == [(channel, "delivered")] * len(MILESTONES), outcomes
    assert sent["pending"] == []
    return (
        [item["return_id"] for item in listed["items"]] == [rebound_id],
        detail["snapshot"]["case"]["rebound_status"],
        # Each update stored once; applied or, arriving after a newer one, left alone (newest wins).
        actions.count("event tracking update"),
        actions.count("addReturnInfo"),
    )


EXPECTED = (True, "DELIVERED", len(MILESTONES), 1)


def daemon_env(extra: dict[str, str]) -> Callable[[Endpoints], dict[str, str]]:
    return lambda ends: dict(extra)


async def test_http_with_a_static_header_token(tmp_path: Path) -> None:
    with anyio.fail_after(55):
        async with running_stack(tmp_path, env=daemon_env(HEADER_AUTH)) as stack:
            channel = {
                "tracking_url": f"{stack.ends.daemon}/webhooks/rebound/tracking",
                "tracking_auth": "header:X-ReBound-Token",
                "tracking_secret": TOKEN,
            }
            rebound_id = await one_return(stack, "E2E-TRACK-HTTP", channel)
            assert await end_state(stack, rebound_id, "http") == EXPECTED


async def test_pubsub_push_with_the_simulators_oidc_token(tmp_path: Path) -> None:
    def oidc(ends: Endpoints) -> dict[str, str]:
        return {
            "BACKFLOW_PUSH_TOKEN": PUSH_TOKEN,
            "BACKFLOW_PUSH_OIDC_AUDIENCE": AUDIENCE,
            "BACKFLOW_PUSH_OIDC_EMAIL": EMAIL,
            "BACKFLOW_PUSH_OIDC_CERTS_URL": f"{ends.rebound}/_sim/oidc/certs",
        }

    with anyio.fail_after(55):
        async with running_stack(tmp_path, env=oidc) as stack:
            channel = {
                "push_url": f"{stack.ends.daemon}/events/rebound?token={PUSH_TOKEN}",
                "push_audience": AUDIENCE,
                "push_email": EMAIL,
            }
            rebound_id = await one_return(stack, "E2E-TRACK-PUSH", channel)
            assert await end_state(stack, rebound_id, "pubsub") == EXPECTED


async def test_sftp_files_the_daemon_polls(tmp_path: Path) -> None:
    with anyio.fail_after(55):
        async with sftp_server(tmp_path / "sftp") as server:
            env = daemon_env(sftp_env(server) | {"REBOUND_SFTP_POLL_SECONDS": "0.2"})
            async with running_stack(tmp_path, env=env) as stack:
                rebound_id = await one_return(stack, "E2E-TRACK-SFTP", {"sftp_dir": str(server.drop)})
                assert await end_state(stack, rebound_id, "sftp") == EXPECTED
                processed = sorted(path.name for path in (server.drop / "processed").iterdir())
                assert len(processed) == len(MILESTONES) and all(n.endswith(".json") for n in processed)


async def _all_taken_in(stack: Stack, rebound_id: str) -> dict[str, Any] | None:
    detail = await stack.case(rebound_id)
    taken = [e for e in detail["timeline"] if e["action"] == "event tracking update"]
    return detail if len(taken) >= len(MILESTONES) else None


async def _recorded(stack: Stack, rebound_id: str) -> dict[str, Any] | None:
    """The case once its return is on the commercetools order (addReturnInfo done)."""
    detail = await stack.case(rebound_id)
    return detail if any(e["action"] == "addReturnInfo" for e in detail["timeline"]) else None
