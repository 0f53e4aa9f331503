"""Order edits: `/{project}/orders/edits`, staged order update actions previewed and applied.

An OrderEdit holds `resource` (the order), `stagedActions`, `comment`, `key` and `result`. Creating or
updating it previews the edit (`PreviewSuccess` with the recalculated order, or `PreviewFailure`);
`POST /orders/edits/{id}/apply {editVersion, resourceVersion}` applies it to the order when both
versions are the current ones (409 ConcurrentModification otherwise), moves the order's version,
records `Applied` with the totals before and after, and emits `OrderEditApplied`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from backflow.devtools.commercetools_sim.edit_actions import STAGED_ACTIONS
from backflow.devtools.commercetools_sim.errors import (
    CtError,
    invalid,
    invalid_operation,
    not_found,
    required,
)
from backflow.devtools.commercetools_sim.keys import STATE
from backflow.devtools.commercetools_sim.pricing import price_order
from backflow.devtools.commercetools_sim.query import run_query
from backflow.devtools.commercetools_sim.state import Resource, SimState

KIND = "order-edit"


def _state(request: web.Request) -> SimState:
    state: SimState = request.app[STATE]
    if request.match_info["project"] != state.options.project_key:
        raise not_found(f"Project '{request.match_info['project']}' not found.")
    return state


async def _body(request: web.Request) -> Resource:
    try:
        body = json.loads(await request.read() or b"null")
    except json.JSONDecodeError as error:
        raise invalid(f"Request body does not contain valid JSON: {error}", "InvalidJsonInput") from None
    if not isinstance(body, dict):
        raise invalid("Request body does not contain valid JSON.", "InvalidJsonInput")
    return body


def _checked_actions(actions: Any) -> list[Resource]:
    if not isinstance(actions, list):
        raise required("stagedActions")
    for action in actions:
        if not isinstance(action, dict) or action.get("action") not in STAGED_ACTIONS:
            name = action.get("action") if isinstance(action, dict) else action
            raise invalid(f"Invalid staged action '{name}'.")
    return actions


def edited(state: SimState, order: Resource, actions: list[Resource]) -> Resource:
    """The order as the staged actions leave it, repriced (the stored order is not touched)."""
    working = state.working_copy(order)
    for action in actions:
        STAGED_ACTIONS[action["action"]](state, working, action)
    return price_order(state, working)


def _preview(state: SimState, edit: Resource) -> Resource:
    order = state.get("order", edit["resource"]["id"])
    try:
        return {
            "type": "PreviewSuccess",
            "preview": edited(state, order, edit["stagedActions"]),
            "messagePayloads": [],
        }
    except CtError as error:
        return {"type": "PreviewFailure", "errors": error.body()["errors"]}


def _excerpt(order: Resource) -> Resource:
    excerpt = {"totalPrice": order["totalPrice"], "version": order["version"]}
    if "taxedPrice" in order:
        excerpt["taxedPrice"] = order["taxedPrice"]
    return excerpt


def _lookup(state: SimState, ident: str) -> Resource:
    found = (
        state.find(KIND, "key", ident.removeprefix("key="))
        if ident.startswith("key=")
        else state.table(KIND).get(ident)
    )
    if found is None:
        raise not_found(f"The Resource with ID '{ident}' was not found.")
    return found


async def create_edit(request: web.Request) -> web.Response:
    state = _state(request)
    draft = await _body(request)
    ref = draft.get("resource") or {}
    if ref.get("typeId") != "order" or not ref.get("id"):
        raise required("resource")
    order = state.table("order").get(ref["id"])
    if order is None:
        raise invalid(
            f"The referenced order with ID '{ref['id']}' was not found.",
            "ReferencedResourceNotFound",
            typeId="order",
            id=ref["id"],
        )
    if draft.get("key") and state.find(KIND, "key", draft["key"]) is not None:
        raise invalid("An order edit with this key already exists.", "DuplicateField", field="key")
    edit: Resource = {
        "resource": {"typeId": "order", "id": order["id"]},
        "stagedActions": _checked_actions(draft.get("stagedActions", [])),
        **{k: draft[k] for k in ("key", "comment") if draft.get(k) is not None},
    }
    edit["result"] = _preview(state, edit)
    if draft.get("dryRun"):
        return web.json_response({**edit, "id": "dry-run", "version": 0}, status=201)
    return web.json_response(state.insert(KIND, edit), status=201)


async def get_edit(request: web.Request) -> web.Response:
    return web.json_response(_lookup(_state(request), request.match_info["ident"]))


async def query_edits(request: web.Request) -> web.Response:
    return web.json_response(run_query(_state(request).table(KIND).values(), request.query))


async def update_edit(request: web.Request) -> web.Response:
    state = _state(request)
    current = _lookup(state, request.match_info["ident"])
    body = await _body(request)
    state.check_version(current, body.get("version"))
    if current["result"]["type"] == "Applied":
        raise invalid_operation("An applied order edit cannot be changed.")
    working = state.working_copy(current)
    for action in body.get("actions") or []:
        name = action.get("action")
        if name == "setStagedActions":
            working["stagedActions"] = _checked_actions(action.get("stagedActions"))
        elif name == "addStagedAction":
            working["stagedActions"].append(_checked_actions([action.get("stagedAction")])[0])
        elif name == "setComment":
            working["comment"] = action.get("comment")
        elif name == "setKey":
            working["key"] = action.get("key")
        else:
            raise invalid(f"Invalid action '{name}'.")
    working["result"] = _preview(state, working)
    return web.json_response(state.commit(KIND, current, working))


async def apply_edit(request: web.Request) -> web.Response:
    state = _state(request)
    edit = _lookup(state, request.match_info["ident"])
    body = await _body(request)
    state.check_version(edit, body.get("editVersion"))
    if edit["result"]["type"] == "Applied":
        raise invalid_operation("The order edit was already applied.")
    order = state.get("order", edit["resource"]["id"])
    state.check_version(order, body.get("resourceVersion"))
    after = edited(state, order, edit["stagedActions"])  # a failing action leaves the order untouched
    stored = state.commit("order", order, after)
    if stored["version"] == order["version"]:  # an edit without effect still moves the order's version
        stored["version"] += 1
        stored["lastModifiedAt"] = state.now()
    result = {
        "type": "Applied",
        "appliedAt": stored["lastModifiedAt"],
        "excerptBeforeEdit": _excerpt(order),
        "excerptAfterEdit": _excerpt(stored),
    }
    applied = state.commit(KIND, edit, {**state.working_copy(edit), "result": result})
    state.emit("order", stored, "OrderEditApplied", {"edit": applied, "result": result})
    return web.json_response(applied)


def add_edit_routes(app: web.Application) -> None:
    """Registered before the generic `/{resource}/{ident}` routes, which would otherwise take them."""
    app.router.add_get("/{project}/orders/edits", query_edits)
    app.router.add_post("/{project}/orders/edits", create_edit)
    app.router.add_get("/{project}/orders/edits/{ident}", get_edit)
    app.router.add_post("/{project}/orders/edits/{ident}", update_edit)
    app.router.add_post("/{project}/orders/edits/{ident}/apply", apply_edit)
