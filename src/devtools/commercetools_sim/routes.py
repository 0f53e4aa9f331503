"""The project API routes: orders, payments, inventory, types, messages."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from backflow.devtools.commercetools_sim.drafts import order_from_draft, typed_money
from backflow.devtools.commercetools_sim.edit_actions import add_discount_code
from backflow.devtools.commercetools_sim.errors import CtError, invalid, not_found
from backflow.devtools.commercetools_sim.import_draft import check_import_draft
from backflow.devtools.commercetools_sim.keys import STATE
from backflow.devtools.commercetools_sim.order_actions import ORDER_ACTIONS, Emitted
from backflow.devtools.commercetools_sim.order_edits import add_edit_routes
from backflow.devtools.commercetools_sim.pricing import price_order
from backflow.devtools.commercetools_sim.query import run_query
from backflow.devtools.commercetools_sim.resource_actions import (
    INVENTORY_ACTIONS,
    PAYMENT_ACTIONS,
    inventory_from_draft,
    payment_from_draft,
)
from backflow.devtools.commercetools_sim.state import Resource, SimState

Actions = dict[str, Callable[[SimState, Resource, Resource], Emitted]]
# URL segment -> (resource typeId, update actions)
RESOURCES: dict[str, tuple[str, Actions]] = {
    "orders": ("order", ORDER_ACTIONS),
    "payments": ("payment", PAYMENT_ACTIONS),
    "inventory": ("inventory-entry", INVENTORY_ACTIONS),
}


def _state(request: web.Request) -> SimState:
    state: SimState = request.app[STATE]
    return state


async def _body(request: web.Request) -> Resource:
    try:
        body = json.loads(await request.read() or b"null")
    except json.JSONDecodeError as error:
        raise invalid(f"Request body does not contain valid JSON: {error}", "InvalidJsonInput") from None
    if not isinstance(body, dict):
        raise invalid("Request body does not contain valid JSON.", "InvalidJsonInput")
    return body


def _expanded(state: SimState, resource: Resource, request: web.Request) -> Resource:
    if "paymentInfo.payments[*]" not in request.query.getall("expand", []) or "paymentInfo" not in resource:
        return resource
    result = copy.deepcopy(resource)
    for ref in result["paymentInfo"]["payments"]:
        payment = state.table("payment").get(ref["id"])
        if payment is not None:
            ref["obj"] = payment
    return result


def _segment(request: web.Request) -> tuple[str, Actions]:
    segment = request.match_info["resource"]
    if segment not in RESOURCES:
        raise not_found(f"Unknown resource '{segment}'.")
    return RESOURCES[segment]


def _project(request: web.Request) -> None:
    if request.match_info["project"] != _state(request).options.project_key:
        raise not_found(f"Project '{request.match_info['project']}' not found.")


async def query(request: web.Request) -> web.Response:
    _project(request)
    state = _state(request)
    if request.match_info["resource"] == "messages":
        return web.json_response(run_query(state.messages, request.query))
    if request.match_info["resource"] == "types":
        return web.json_response(run_query(state.table("type").values(), request.query))
    kind, _ = _segment(request)
    body = run_query(state.table(kind).values(), request.query)
    body["results"] = [_expanded(state, r, request) for r in body["results"]]
    return web.json_response(body)


def _lookup(request: web.Request, kind: str) -> Resource:
    state = _state(request)
    ident = request.match_info["ident"]
    if ident.startswith("order-number=") and kind == "order":
        found = state.find(kind, "orderNumber", ident.removeprefix("order-number="))
    elif ident.startswith("key="):
        found = state.find(kind, "key", ident.removeprefix("key="))
    else:
        found = state.table(kind).get(ident)
    if found is None:
        raise not_found(f"The Resource with ID '{ident}' was not found.")
    return found


async def get_one(request: web.Request) -> web.Response:
    _project(request)
    if request.match_info["resource"] == "types":
        ref = request.match_info["ident"]
        found_type = _state(request).by_key_or_id(
            "type", {"key": ref[4:]} if ref.startswith("key=") else {"id": ref}
        )
        if found_type is None:
            raise not_found(f"The Resource with ID '{ref}' was not found.")
        return web.json_response(found_type)
    if request.match_info["resource"] == "messages":
        found = next((m for m in _state(request).messages if m["id"] == request.match_info["ident"]), None)
        if found is None:
            raise not_found(f"The Resource with ID '{request.match_info['ident']}' was not found.")
        return web.json_response(found)
    kind, _ = _segment(request)
    return web.json_response(_expanded(_state(request), _lookup(request, kind), request))


async def update(request: web.Request) -> web.Response:
    _project(request)
    state = _state(request)
    kind, actions = _segment(request)
    current = _lookup(request, kind)
    body = await _body(request)
    state.check_version(current, body.get("version"))
    requested = body.get("actions")
    if not isinstance(requested, list) or not 1 <= len(requested) <= 500:
        raise invalid("actions must be a list of 1 to 500 update actions.", "InvalidInput")
    working = state.working_copy(current)
    emitted: Emitted = []
    for action in requested:
        handler = actions.get(action.get("action", "")) if isinstance(action, dict) else None
        if handler is None:
            raise invalid(f"Invalid action '{action.get('action') if isinstance(action, dict) else action}'.")
        emitted += handler(state, working, action)  # any error leaves `current` untouched
    stored = state.commit(kind, current, working)
    for message_type, payload in emitted:
        state.emit(kind, stored, message_type, payload)
    return web.json_response(_expanded(state, stored, request))


async def create(request: web.Request) -> web.Response:
    _project(request)
    state = _state(request)
    segment = request.match_info["resource"]
    draft = await _body(request)
    if segment == "payments":
        return web.json_response(state.insert("payment", payment_from_draft(state, draft)), status=201)
    if segment == "inventory":
        return web.json_response(
            state.insert("inventory-entry", inventory_from_draft(state, draft)), status=201
        )
    if segment == "types":
        return web.json_response(create_type(state, draft), status=201)
    raise CtError(
        405, "MethodNotAllowed", f"POST /{segment} is not supported; orders come from carts or import."
    )


def create_type(state: SimState, draft: Resource) -> Resource:
    if not draft.get("key"):
        raise invalid("A value is required for field key.", "RequiredField", field="key")
    if state.find("type", "key", draft["key"]) is not None:
        raise invalid(
            f"A type with key '{draft['key']}' already exists.",
            "DuplicateField",
            field="key",
            duplicateValue=draft["key"],
        )
    fields: list[Resource] = draft.get("fieldDefinitions", [])
    resource: dict[str, Any] = {
        "key": draft["key"],
        "name": draft.get("name", {}),
        "resourceTypeIds": draft.get("resourceTypeIds", []),
        "fieldDefinitions": fields,
    }
    return state.insert("type", resource)


async def import_order(request: web.Request) -> web.Response:
    _project(request)
    state = _state(request)
    draft = await _body(request)
    if not state.options.lenient_import:
        check_import_draft(draft)
    order = state.insert("order", order_from_draft(state, draft, origin="Customer"))
    state.emit("order", order, "OrderImported", {"order": order})
    return web.json_response(order, status=201)


def seed_order(state: SimState, draft: Resource) -> Resource:
    """An order as if a customer checked out a cart: stored, announced with OrderCreated.

    A seed (unlike an import) may fix its line item ids, so a scenario can book a return for an
    order before that order exists (the order-sync race)."""
    order = order_from_draft(state, draft, origin="Customer")
    for line, line_draft in zip(order["lineItems"], draft.get("lineItems", []), strict=True):
        line["id"] = line_draft.get("id") or line["id"]
    order = state.insert("order", order)
    state.emit("order", order, "OrderCreated", {"order": order})
    return order


def order_from_cart(state: SimState, draft: Resource, *, dry_run: bool = False) -> Resource:
    """An order as if checked out from a priced cart: the draft gives prices, quantities, tax rates,
    `discountCodes` (codes seeded with `/_sim/seed`) and a line's `externalTotalPrice`; the simulator
    computes `discountedPricePerQuantity`, line and order `taxedPrice`, `discountOnTotalPrice` and the
    totals (`pricing.price_order`). Line ids may be fixed, as with `seed_order`. A `dry_run` prices the
    cart and stores nothing (a checkout prices the cart before the payment for its total is made)."""
    computed = {"discountOnTotalPrice", "taxedPrice", "discountCodes", "totalPrice"}
    lines = draft.get("lineItems", [])
    currency = next((li["price"]["value"]["currencyCode"] for li in lines), draft.get("currency", "EUR"))
    plain = {k: v for k, v in draft.items() if k not in computed}
    plain["totalPrice"] = {"currencyCode": currency, "centAmount": 0}
    plain["lineItems"] = [
        {k: v for k, v in li.items() if k not in ("totalPrice", "taxedPrice", "discountedPricePerQuantity")}
        for li in lines
    ]
    order = order_from_draft(state, plain, origin="Customer")
    for line, line_draft in zip(order["lineItems"], lines, strict=True):
        line["id"] = line_draft.get("id") or line["id"]
        if line_draft.get("externalTotalPrice"):
            line["priceMode"] = "ExternalTotal"
            line["totalPrice"] = typed_money(line_draft["externalTotalPrice"]["totalPrice"], "totalPrice")
    for code in draft.get("discountCodes", []):
        add_discount_code(state, order, {"code": code})
    if dry_run:
        return price_order(state, order)
    order = state.insert("order", price_order(state, order))
    state.emit("order", order, "OrderCreated", {"order": order})
    return order


def add_routes(app: web.Application) -> None:
    add_edit_routes(app)
    app.router.add_post("/{project}/orders/import", import_order)
    app.router.add_get("/{project}/{resource}", query)
    app.router.add_post("/{project}/{resource}", create)
    app.router.add_get("/{project}/{resource}/{ident}", get_one)
    app.router.add_post("/{project}/{resource}/{ident}", update)
