"""`/api/overview` and `/api/dead-letters`: what the TUI's overview and dead-letter screens show."""

from __future__ import annotations

from aiohttp import web

from backflow.app.entrypoints.http.deps import HttpDeps, actor_of, deps
from backflow.app.entrypoints.http.health import instance_view
from backflow.app.entrypoints.http.responses import HttpError, int_param, json_response, offset_param
from backflow.app.entrypoints.http.view_builders import outbox_view
from backflow.app.entrypoints.http.views import (
    ActorView,
    ApiView,
    CurrencyAmount,
    DeadLetterDetail,
    DeadLetterList,
    JobView,
    Overview,
    RequeueResult,
    ShadowView,
    Throughput,
)
from backflow.ports.outbox import OutboxRow, OutboxStatus

THROUGHPUT_WINDOW = 60.0
routes = web.RouteTableDef()


@routes.get("/api/overview")
async def overview(request: web.Request) -> web.Response:
    d = deps(request)
    monitor, now = d.monitor, d.store.clock.now()
    async with d.store.unit_of_work() as uow:
        liability = await uow.credits.outstanding()
    return json_response(
        Overview(
            generated_at=now,
            stopping=d.runtime.lifecycle.is_stopping,
            queues=await d.admin.queue_counts(),
            oldest_due_age_seconds=await monitor.oldest_due_age(),
            throughput=Throughput(
                window_seconds=THROUGHPUT_WINDOW,
                completed=await monitor.throughput(window_seconds=THROUGHPUT_WINDOW),
            ),
            inbox=await d.admin.inbox_counts(),
            actors=_actors(d),
            jobs=_jobs(d),
            apis=_apis(d),
            pending_credit=[CurrencyAmount(currency=c, amount_minor=a) for c, a in sorted(liability.items())],
            order_sync=await d.admin.sync_lag(),
            exceptions=await monitor.exceptions_by_owner(),
            shadow=ShadowView(enabled=d.shadow, writes=await d.shadow_log.count()),
            intake=d.intake.view(),
            instance=instance_view(d),
        )
    )


@routes.get("/api/dead-letters")
async def dead_letters(request: web.Request) -> web.Response:
    rows = await deps(request).monitor.dead_rows(
        limit=int_param(request, "limit", 100), offset=offset_param(request)
    )
    return json_response(DeadLetterList(items=[outbox_view(row) for row in rows]))


@routes.get("/api/dead-letters/{id}")
async def dead_letter(request: web.Request) -> web.Response:
    row = await _dead_row(request)
    history = await deps(request).outbox.history(row.id)
    return json_response(DeadLetterDetail(row=outbox_view(row), history=history))


@routes.post("/api/dead-letters/{id}/requeue")
async def requeue(request: web.Request) -> web.Response:
    row = await _dead_row(request)
    d = deps(request)
    if not await d.outbox.requeue(row.id, actor_of(request)):
        raise HttpError(409, "not_requeued", "a live row with the same idempotency key is already queued")
    d.runtime.wakeups.relay.nudge()
    current = await d.admin.outbox_row(row.id)
    assert current is not None  # rows are never deleted
    return json_response(RequeueResult(requeued=True, row=outbox_view(current)))


async def _dead_row(request: web.Request) -> OutboxRow:
    outbox_id = request.match_info["id"][:64]
    row = await deps(request).admin.outbox_row(outbox_id)
    if row is None:
        raise HttpError(404, "not_found", f"no outbox row {outbox_id}")
    if row.status is not OutboxStatus.DEAD:
        raise HttpError(409, "not_dead", f"outbox row {outbox_id} is {row.status}, not dead")
    return row


def _actors(d: HttpDeps) -> list[ActorView]:
    mailboxes = {m.spec.name: m for m in d.runtime.mailboxes}
    views = []
    for name, status in sorted(d.runtime.health.actors.items()):
        mailbox = mailboxes.get(name)
        views.append(
            ActorView(
                name=name,
                state=status.state,
                restarts=status.restarts,
                last_error=status.last_error,
                last_error_at=status.last_error_at,
                started_at=status.started_at,
                mailbox_depth=None if mailbox is None else mailbox.depth(),
                mailbox_capacity=None if mailbox is None else mailbox.capacity,
            )
        )
    return views


def _jobs(d: HttpDeps) -> list[JobView]:
    return [
        JobView(
            name=s.name,
            interval_seconds=s.interval_seconds,
            runs=s.runs,
            failures=s.failures,
            running=s.running,
            last_started_at=s.last_started_at,
            last_duration_seconds=s.last_duration_seconds,
            last_error=s.last_error,
        )
        for s in sorted(d.runtime.scheduler.status.values(), key=lambda s: s.name)
    ]


def _apis(d: HttpDeps) -> list[ApiView]:
    now, window = d.store.clock.now(), d.api_ready_window_seconds
    return [
        ApiView(
            name=s.name,
            ready=s.ready(now, window)[0],
            calls=s.calls,
            errors=s.errors,
            recent_errors=s.recent_errors,
            last_success_at=s.last_success_at,
            last_error_at=s.last_error_at,
            last_error=s.last_error,
        )
        for s in sorted(d.api_health.apis.values(), key=lambda s: s.name)
    ]
