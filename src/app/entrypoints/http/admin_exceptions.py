"""`/api/exceptions`: list with filters, detail with history, and the actions: acknowledge, retry,
resolve, decide (refund mismatches) and reanchor (orphan returns, return/order mismatches).

Each action is a use case of `app.operator` (decide: `app.refunds.decide`); the CLI reaches the same
code through these routes; every action is recorded with its actor and is idempotent.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar, get_args

from aiohttp import web

from backflow.app.core.exception_actions import ActionRefused, Refusal, load_exception
from backflow.app.core.settings import Owner
from backflow.app.entrypoints.http.deps import actor_of, deps
from backflow.app.entrypoints.http.responses import (
    HttpError,
    canonical_int,
    float_param,
    int_param,
    json_response,
    offset_param,
    read_json,
)
from backflow.app.entrypoints.http.view_builders import event_view, exception_view
from backflow.app.entrypoints.http.views import (
    AckRequest,
    DecideRequest,
    ExceptionDetail,
    ExceptionList,
    ExceptionView,
    ReanchorRequest,
    ResolveRequest,
    RetryRequest,
    RetryResult,
)
from backflow.app.operator.acknowledge import acknowledge_exception
from backflow.app.operator.reanchor import reanchor_return
from backflow.app.operator.resolve import resolve_exception
from backflow.app.operator.retry import retry_exception
from backflow.app.refunds.decide import decide_refund
from backflow.ports.admin import ExceptionQuery
from backflow.ports.exceptions import ExceptionRecord

_STATES = {"open", "acknowledged", "resolved", "any"}
REFUSAL_STATUS = {Refusal.NOT_FOUND: 404, Refusal.CONFLICT: 409, Refusal.INVALID: 400}
"""The one place a refused operator action becomes an HTTP status."""
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
    now = d.store.clock.now()
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
    store = deps(request).store
    record = await _refused_as_http(
        acknowledge_exception(_id(request), actor=actor_of(request), note=body.note, store=store)
    )
    return json_response(await _detail(request, record))


@routes.post("/api/exceptions/{id}/resolve")
async def resolve(request: web.Request) -> web.Response:
    body = await read_json(request, ResolveRequest)
    store = deps(request).store
    record = await _refused_as_http(
        resolve_exception(_id(request), actor=actor_of(request), note=body.note, store=store)
    )
    return json_response(await _detail(request, record))


@routes.post("/api/exceptions/{id}/retry")
async def retry(request: web.Request) -> web.Response:
    body = await read_json(request, RetryRequest)
    d = deps(request)
    result, record = await _refused_as_http(
        retry_exception(_id(request), actor=actor_of(request), note=body.note, store=d.store, admin=d.admin)
    )
    if not result.duplicate:
        d.runtime.wakeups.relay.nudge()
    return json_response(
        RetryResult(
            outbox_id=result.id,
            duplicate=result.duplicate,
            exception=exception_view(record, d.store.clock.now()),
        )
    )


@routes.post("/api/exceptions/{id}/decide")
async def decide(request: web.Request) -> web.Response:
    body = await read_json(request, DecideRequest)
    d = deps(request)
    record = await _refused_as_http(
        decide_refund(
            _id(request),
            body.decision,
            actor=actor_of(request),
            note=body.note,
            store=d.store,
            refund_policy=d.refund_policy,
        )
    )
    d.runtime.wakeups.relay.nudge()
    return json_response(exception_view(record, d.store.clock.now()))


@routes.post("/api/exceptions/{id}/reanchor")
async def reanchor(request: web.Request) -> web.Response:
    body = await read_json(request, ReanchorRequest)
    d = deps(request)
    record = await _refused_as_http(
        reanchor_return(
            _id(request),
            body.order_number,
            actor=actor_of(request),
            note=body.note,
            store=d.store,
            commerce=d.commerce,
        )
    )
    d.runtime.wakeups.relay.nudge()
    return json_response(exception_view(record, d.store.clock.now()))


def _id(request: web.Request) -> int:
    """Only a canonical ASCII decimal names an exception (fullwidth or Arabic-Indic digits, and
    `01`, are not 1)."""
    value = canonical_int(request.match_info["id"])
    if value is None or value < 1:
        raise HttpError(404, "not_found", "no such exception")
    return value


async def _load(request: web.Request) -> ExceptionRecord:
    return await load_exception(deps(request).store, _id(request))


async def _refused_as_http(action: Awaitable[T]) -> T:
    try:
        return await action
    except ActionRefused as refused:
        raise HttpError(REFUSAL_STATUS[refused.kind], refused.code, refused.message) from refused


async def _detail(request: web.Request, record: ExceptionRecord) -> ExceptionDetail:
    d = deps(request)
    async with d.store.unit_of_work() as uow:
        events = await uow.exceptions.events(record.id)
    view: ExceptionView = exception_view(record, d.store.clock.now())
    return ExceptionDetail(exception=view, events=[event_view(e) for e in events])


__all__ = ["routes"]
