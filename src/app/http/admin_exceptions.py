"""`/api/exceptions`: list with filters, detail with history, and the actions: acknowledge, retry,
resolve, decide (refund mismatches) and reanchor (orphan returns, return/order mismatches).

Each action is a use case of `app.exceptions` (the CLI reaches the same code through these routes);
every action is recorded with its actor and is idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar, get_args

from aiohttp import web

from app.exceptions.acknowledge import acknowledge_exception
from app.exceptions.common import ActionRefused, load_exception
from app.exceptions.decide import decide_refund
from app.exceptions.reanchor import reanchor_return
from app.exceptions.resolve import resolve_exception
from app.exceptions.retry import retry_exception
from app.http.deps import actor_of, deps
from app.http.responses import (
    HttpError,
    canonical_int,
    float_param,
    int_param,
    json_response,
    offset_param,
    read_json,
)
from app.http.views import (
    AckRequest,
    DecideRequest,
    ExceptionDetail,
    ExceptionList,
    ExceptionView,
    ReanchorRequest,
    ResolveRequest,
    RetryRequest,
    RetryResult,
    event_view,
    exception_view,
)
from app.settings import Owner
from ports.admin import ExceptionQuery
from ports.exceptions import ExceptionRecord

_STATES = {"open", "acknowledged", "resolved", "any"}
_OWNERS = set(get_args(Owner))

T = TypeVar("T")
routes = web.RouteTableDef()


@routes.get("/api/exceptions")
async def list_exceptions(request: web.Request) -> web.Response:
    query = request.query
    state = query.get("state") or None
    if state is not None and state not in _STATES:
        raise HttpError(400, "invalid_parameter", f"state must be one of {sorted(_STATES)}")
    owner = query.get("owner") or None
    if owner is not None and owner not in _OWNERS:
        raise HttpError(400, "invalid_parameter", f"owner must be one of {sorted(_OWNERS)}")
    order = query.get("order") or "newest"
    if order not in ("newest", "oldest"):
        raise HttpError(400, "invalid_parameter", "order must be newest or oldest")
    filters = ExceptionQuery(
        owner=owner,
        type=query.get("type") or None,
        state=state,
        min_age_seconds=float_param(request, "min_age"),
        max_age_seconds=float_param(request, "max_age"),
        order="newest" if order == "newest" else "oldest",
        limit=int_param(request, "limit", 100),
        offset=offset_param(request),
    )
    d = deps(request)
    now = d.ctx.clock.now()
    records = await d.admin.exceptions(filters)
    items = [exception_view(record, now) for record in records]
    return json_response(ExceptionList(items=items, count=len(items)))


@routes.get("/api/exceptions/{id}")
async def get_exception(request: web.Request) -> web.Response:
    record = await _refused_as_http(_load(request))
    return json_response(await _detail(request, record))


@routes.post("/api/exceptions/{id}/ack")
async def acknowledge(request: web.Request) -> web.Response:
    body = await read_json(request, AckRequest)
    ctx = deps(request).ctx
    record = await _refused_as_http(
        acknowledge_exception(ctx, _id(request), actor=actor_of(request), note=body.note)
    )
    return json_response(await _detail(request, record))


@routes.post("/api/exceptions/{id}/resolve")
async def resolve(request: web.Request) -> web.Response:
    body = await read_json(request, ResolveRequest)
    ctx = deps(request).ctx
    record = await _refused_as_http(
        resolve_exception(ctx, _id(request), actor=actor_of(request), note=body.note)
    )
    return json_response(await _detail(request, record))


@routes.post("/api/exceptions/{id}/retry")
async def retry(request: web.Request) -> web.Response:
    body = await read_json(request, RetryRequest)
    d = deps(request)
    result, record = await _refused_as_http(
        retry_exception(d.ctx, d.admin, _id(request), actor=actor_of(request), note=body.note)
    )
    if not result.duplicate:
        d.runtime.wakeups.relay.nudge()
    return json_response(
        RetryResult(
            outbox_id=result.id,
            duplicate=result.duplicate,
            exception=exception_view(record, d.ctx.clock.now()),
        )
    )


@routes.post("/api/exceptions/{id}/decide")
async def decide(request: web.Request) -> web.Response:
    body = await read_json(request, DecideRequest)
    d = deps(request)
    record = await _refused_as_http(
        decide_refund(d.ctx, _id(request), body.decision, actor=actor_of(request), note=body.note)
    )
    d.runtime.wakeups.relay.nudge()
    return json_response(exception_view(record, d.ctx.clock.now()))


@routes.post("/api/exceptions/{id}/reanchor")
async def reanchor(request: web.Request) -> web.Response:
    body = await read_json(request, ReanchorRequest)
    d = deps(request)
    record = await _refused_as_http(
        reanchor_return(d.ctx, _id(request), body.order_number, actor=actor_of(request), note=body.note)
    )
    d.runtime.wakeups.relay.nudge()
    return json_response(exception_view(record, d.ctx.clock.now()))


def _id(request: web.Request) -> int:
    """Only a canonical ASCII decimal names an exception (fullwidth or Arabic-Indic digits, and
    `01`, are not 1)."""
    value = canonical_int(request.match_info["id"])
    if value is None or value < 1:
        raise HttpError(404, "not_found", "no such exception")
    return value


async def _load(request: web.Request) -> ExceptionRecord:
    return await load_exception(deps(request).ctx, _id(request))


async def _refused_as_http(action: Awaitable[T]) -> T:
    try:
        return await action
    except ActionRefused as refused:
        raise HttpError(refused.status, refused.code, refused.message) from refused


async def _detail(request: web.Request, record: ExceptionRecord) -> ExceptionDetail:
    d = deps(request)
    async with d.ctx.unit_of_work() as uow:
        events = await uow.exceptions.events(record.id)
    view: ExceptionView = exception_view(record, d.ctx.clock.now())
    return ExceptionDetail(exception=view, events=[event_view(e) for e in events])


__all__ = ["routes"]
