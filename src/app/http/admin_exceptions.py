"""`/api/exceptions`: list with filters, detail with history, and the acknowledge/retry/resolve actions.

Every action is recorded with its actor and is idempotent: repeating it changes nothing more
(acknowledging an acknowledged exception, resolving a resolved one, retrying while the retry is
still queued).
"""

from __future__ import annotations

from typing import get_args

from aiohttp import web

from app.http.deps import actor_of, deps
from app.http.responses import HttpError, float_param, int_param, json_response, read_json
from app.http.views import (
    AckRequest,
    ExceptionDetail,
    ExceptionList,
    ResolveRequest,
    RetryRequest,
    RetryResult,
    event_view,
    exception_view,
    retry_spec,
)
from app.settings import Owner
from app.traced_outbox import with_trace
from ports.admin import ExceptionQuery
from ports.errors import NotFoundError
from ports.exceptions import ExceptionRecord, ExceptionState
from ports.outbox import OutboxMessage

_STATES = {"open", "acknowledged", "resolved", "any"}
_OWNERS = set(get_args(Owner))

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
    )
    d = deps(request)
    now = d.ctx.clock.now()
    records = await d.admin.exceptions(filters)
    items = [exception_view(record, now) for record in records]
    return json_response(ExceptionList(items=items, count=len(items)))


@routes.get("/api/exceptions/{id}")
async def get_exception(request: web.Request) -> web.Response:
    return json_response(await _detail(request, await _record(request)))


@routes.post("/api/exceptions/{id}/ack")
async def acknowledge(request: web.Request) -> web.Response:
    body = await read_json(request, AckRequest)
    record = await _record(request)
    if record.state == ExceptionState.RESOLVED:
        raise HttpError(409, "already_resolved", "a resolved exception cannot be acknowledged")
    if record.state == ExceptionState.OPEN:
        await _change(request, record.id, ExceptionState.ACKNOWLEDGED, body.note)
    return json_response(await _detail(request, await _record(request)))


@routes.post("/api/exceptions/{id}/resolve")
async def resolve(request: web.Request) -> web.Response:
    body = await read_json(request, ResolveRequest)
    if not body.note.strip():
        raise HttpError(400, "note_required", "resolving needs a note saying what was done")
    record = await _record(request)
    if record.state != ExceptionState.RESOLVED:
        await _change(request, record.id, ExceptionState.RESOLVED, body.note.strip()[:2000])
    return json_response(await _detail(request, await _record(request)))


@routes.post("/api/exceptions/{id}/retry")
async def retry(request: web.Request) -> web.Response:
    body = await read_json(request, RetryRequest)
    record = await _record(request)
    spec = retry_spec(record)
    if spec is None:
        raise HttpError(409, "not_retryable", f"exception {record.id} ({record.type}) has no retry")
    if record.state == ExceptionState.RESOLVED:
        raise HttpError(409, "already_resolved", "a resolved exception cannot be retried")
    # A key of its own, so the retry is not mistaken for the original row; the same key on every
    # retry of this exception, so a repeated request while the retry is queued adds nothing.
    message = with_trace(
        OutboxMessage(
            kind=spec.kind,
            payload=bytes(spec.payload),
            idempotency_key=f"{spec.idempotency_key}#retry-{record.id}",
        )
    )
    d = deps(request)
    note = body.note or f"retry of {spec.kind} queued"
    result = await d.admin.retry_exception(record.id, message, actor=actor_of(request), note=note[:2000])
    if not result.duplicate:
        d.runtime.wakeups.relay.nudge()
    updated = await _record(request)
    return json_response(
        RetryResult(
            outbox_id=result.id,
            duplicate=result.duplicate,
            exception=exception_view(updated, d.ctx.clock.now()),
        )
    )


async def _record(request: web.Request) -> ExceptionRecord:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise HttpError(404, "not_found", "no such exception")
    async with deps(request).ctx.unit_of_work() as uow:
        record = await uow.exceptions.get(int(text))
    if record is None:
        raise HttpError(404, "not_found", f"no exception {text}")
    return record


async def _detail(request: web.Request, record: ExceptionRecord) -> ExceptionDetail:
    d = deps(request)
    async with d.ctx.unit_of_work() as uow:
        events = await uow.exceptions.events(record.id)
    return ExceptionDetail(
        exception=exception_view(record, d.ctx.clock.now()), events=[event_view(e) for e in events]
    )


async def _change(request: web.Request, exception_id: int, state: ExceptionState, note: str | None) -> None:
    async with deps(request).ctx.unit_of_work() as uow:
        uow.exceptions.change_state(exception_id, state, actor=actor_of(request), note=note)
        try:
            await uow.commit()
        except NotFoundError as exc:
            raise HttpError(404, "not_found", str(exc)) from exc


__all__ = ["routes"]
