"""`/_sim/`: how tests and the demo drive the simulator over HTTP (everything is also callable in-process)."""

from __future__ import annotations

from typing import Any

import msgspec
from aiohttp import ClientSession, web

from backflow.devtools.rebound_sim.api import FAULTS, SIM, TOKENS, error
from backflow.devtools.rebound_sim.engine import Simulator
from backflow.devtools.rebound_sim.oidc import CERTS_PATH
from backflow.devtools.rebound_sim.sftp_server import ServedSftp

SESSION = web.AppKey("rebound_sim_session", ClientSession)
SFTP = web.AppKey("rebound_sim_sftp", ServedSftp)
_ENCODER = msgspec.json.Encoder()
_TUNABLE = frozenset(
    {
        "rate_limit_rate",
        "retry_after",
        "latency",
        "unknown_order_rate",
        "over_return_rate",
        "cancel_rate",
        "exception_rate",
        "partial_receipt_rate",
        "missing_item_rate",
        "unexpected_item_rate",
        "wrong_refund_rate",
        "odd_reason_rate",
        "duplicate_rate",
        "out_of_order_rate",
        "refund_milestone",
        "token_lifetime",
        "time_scale",
        "webhook_url",
        "retry_base",
        "tracking_url",
        "tracking_auth",
        "tracking_secret",
        "push_url",
        "push_audience",
        "push_email",
        "sftp_dir",
    }
)


def _json(payload: object, status: int = 200) -> web.Response:
    return web.Response(body=_ENCODER.encode(payload), status=status, content_type="application/json")


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    decoded = msgspec.json.decode(raw) if raw else {}
    if not isinstance(decoded, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return decoded


def summary(sim: Simulator) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for ret in sim.state.returns.values():
        statuses[ret.status] = statuses.get(ret.status, 0) + 1
    delivered = sum(sim.deliverer.delivered.values())
    return {
        "now": sim.now.isoformat(),
        "seed": sim.options.seed,
        "orders": len(sim.state.orders),
        "returns": len(sim.state.returns),
        "statuses": statuses,
        "events": len(sim.state.events),
        "scheduled": sim.scheduled,
        "deliveries": {"pending": len(sim.deliverer.pending), "delivered_events": delivered},
    }


async def get_state(request: web.Request) -> web.Response:
    return _json(summary(request.app[SIM]))


async def get_return(request: web.Request) -> web.Response:
    ret = request.app[SIM].state.returns.get(request.match_info["return_id"])
    if ret is None:
        return error(404, "return_not_found", "no return with this id")
    return _json({"snapshot": ret.snapshot(), "sequence": ret.sequence, "history": ret.history})


async def get_deliveries(request: web.Request) -> web.Response:
    deliverer = request.app[SIM].deliverer
    return _json({"attempts": deliverer.log, "delivered": deliverer.delivered})


async def get_acknowledgements(request: web.Request) -> web.Response:
    """Every acknowledgement as first received: return id → idempotency key → body."""
    return _json(request.app[SIM].state.acknowledgements)


async def post_seed(request: web.Request) -> web.Response:
    body = await _body(request)
    request.app[SIM].seed(int(body["seed"]))
    return _json(summary(request.app[SIM]))


async def post_script(request: web.Request) -> web.Response:
    ret, event_ids = request.app[SIM].script(await _body(request))
    return _json({"returnId": ret.return_id, "eventIds": event_ids}, 201)


async def post_day(request: web.Request) -> web.Response:
    body = await _body(request)
    moments = request.app[SIM].schedule_day(int(body.get("returns", 100)), float(body.get("seconds", 86_400)))
    return _json({"scheduled": len(moments)}, 201)


async def post_advance(request: web.Request) -> web.Response:
    body = await _body(request)
    emitted = request.app[SIM].advance(float(body.get("seconds", 0)))
    return _json({"emitted": emitted, **summary(request.app[SIM])})


async def post_step(request: web.Request) -> web.Response:
    emitted = request.app[SIM].step()
    return _json({"event": None if emitted is None else emitted.event})


async def post_deliver(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    attempts = await sim.deliverer.flush(request.app[SESSION], sim.now)
    tracking = await sim.tracking.flush(request.app[SESSION])  # everything pending, now
    return _json({"attempts": attempts, "tracking": tracking})


async def get_tracking(request: web.Request) -> web.Response:
    """Every tracking-update attempt per channel, and what is still pending."""
    tracking = request.app[SIM].tracking
    pending = [
        {"channel": p.channel, "rebound_order_id": p.rebound_order_id, "attempts": p.attempt}
        for p in tracking.pending
    ]
    served = request.app.get(SFTP)
    return _json(
        {"attempts": tracking.log, "pending": pending, "channels": tracking.channels(), "sftp_server": served}
    )


async def get_oidc_certs(request: web.Request) -> web.Response:
    """The push tokens' certificates, as Google serves its own (BACKFLOW_PUSH_OIDC_CERTS_URL)."""
    body = request.app[SIM].issuer.certificates()
    headers = {"Cache-Control": "public, max-age=3600, must-revalidate, no-transform"}
    return web.Response(body=_ENCODER.encode(body), content_type="application/json", headers=headers)


async def post_faults(request: web.Request) -> web.Response:
    body = await _body(request)
    sim = request.app[SIM]
    faults = request.app[FAULTS]
    for key in ("rate_limit_next", "fail_next", "fail_status"):
        if key in body:
            faults[key] = int(body.pop(key))
    unknown = sorted(set(body) - _TUNABLE)
    if unknown:
        return error(400, "invalid_request", f"not tunable: {', '.join(unknown)}")
    for key, value in body.items():
        setattr(sim.options, key, value)
    return _json({"faults": faults, "options": sim.options})


async def post_revoke(request: web.Request) -> web.Response:
    tokens = request.app[TOKENS]
    revoked = len(tokens)
    tokens.clear()
    return _json({"revoked": revoked})


def add_control_routes(app: web.Application) -> None:
    app.router.add_get("/_sim/state", get_state)
    app.router.add_get("/_sim/returns/{return_id}", get_return)
    app.router.add_get("/_sim/deliveries", get_deliveries)
    app.router.add_get("/_sim/tracking", get_tracking)
    app.router.add_get(CERTS_PATH, get_oidc_certs)
    app.router.add_get("/_sim/acknowledgements", get_acknowledgements)
    app.router.add_post("/_sim/seed", post_seed)
    app.router.add_post("/_sim/script", post_script)
    app.router.add_post("/_sim/day", post_day)
    app.router.add_post("/_sim/advance", post_advance)
    app.router.add_post("/_sim/step", post_step)
    app.router.add_post("/_sim/deliver", post_deliver)
    app.router.add_post("/_sim/faults", post_faults)
    app.router.add_post("/_sim/tokens/revoke", post_revoke)
