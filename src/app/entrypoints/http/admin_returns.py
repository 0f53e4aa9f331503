"""`/api/returns`: search by return id, order number or SKU; one return's case, timeline and ledgers."""

from __future__ import annotations

from aiohttp import web

from backflow.app.core.evidence import json_value
from backflow.app.entrypoints.http.deps import deps
from backflow.app.entrypoints.http.responses import HttpError, int_param, json_response, offset_param
from backflow.app.entrypoints.http.view_builders import refund_view, return_summary, timeline_view
from backflow.app.entrypoints.http.views import ReturnDetail, ReturnList

routes = web.RouteTableDef()


@routes.get("/api/returns")
async def search(request: web.Request) -> web.Response:
    text = request.query.get("query", "").strip()
    if not text or len(text) > 200:
        raise HttpError(400, "invalid_parameter", "query is required: a return id, order number or SKU")
    records = await deps(request).admin.search_returns(
        text, limit=int_param(request, "limit", 50), offset=offset_param(request)
    )
    return json_response(ReturnList(items=[return_summary(r) for r in records]))


@routes.get("/api/returns/{id}")
async def detail(request: web.Request) -> web.Response:
    d = deps(request)
    return_id = request.match_info["id"][:200]
    async with d.store.unit_of_work() as uow:
        record = await uow.returns.get(return_id)
        if record is None:
            raise HttpError(404, "not_found", f"no return {return_id}")
        refunds = await uow.refunds.for_return(return_id)
        stock = await uow.stock.for_return(return_id)
        credits = await uow.credits.for_return(return_id)
    timeline = [] if d.timeline is None else await d.timeline.for_return(return_id)
    return json_response(
        ReturnDetail(
            case=return_summary(record),
            snapshot=json_value(record.snapshot),
            timeline_available=d.timeline is not None,
            timeline=[timeline_view(entry) for entry in timeline],
            refunds=[refund_view(r) for r in refunds],
            stock_movements=stock,
            pending_credits=credits,
        )
    )
