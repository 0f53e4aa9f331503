"""The `/_sim` control surface: seed data, set faults and options, inspect state, expire tokens."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from backflow.devtools.commercetools_sim.auth import TokenStore
from backflow.devtools.commercetools_sim.errors import invalid
from backflow.devtools.commercetools_sim.faults import FaultRule
from backflow.devtools.commercetools_sim.keys import STATE, TOKENS
from backflow.devtools.commercetools_sim.resource_actions import inventory_from_draft, payment_from_draft
from backflow.devtools.commercetools_sim.routes import create_type, order_from_cart, seed_order
from backflow.devtools.commercetools_sim.state import SimState

_OPTION_NAMES = (
    "strict_return_transitions",
    "lenient_import",
    "push_url",
    "push_format",
    "push_types",
    "token_ttl",
)


def _state(request: web.Request) -> SimState:
    state: SimState = request.app[STATE]
    return state


async def _json(request: web.Request) -> Any:
    try:
        return json.loads(await request.read() or b"{}")
    except json.JSONDecodeError as error:
        raise invalid(f"invalid JSON: {error}", "InvalidJsonInput") from None


async def seed(request: web.Request) -> web.Response:
    """Body `{"orders":[draft], "payments":[draft], "inventory":[draft], "types":[draft]}`; returns them."""
    state = _state(request)
    body = await _json(request)
    created: dict[str, list[Any]] = {
        "types": [],
        "payments": [],
        "inventory": [],
        "cartDiscounts": [],
        "discountCodes": [],
        "orders": [],
    }
    for draft in body.get("cartDiscounts", []):
        created["cartDiscounts"].append(state.insert("cart-discount", cart_discount(draft)))
    for draft in body.get("discountCodes", []):
        created["discountCodes"].append(state.insert("discount-code", discount_code(state, draft)))
    for draft in body.get("types", []):
        created["types"].append(create_type(state, draft))
    for draft in body.get("payments", []):
        created["payments"].append(state.insert("payment", payment_from_draft(state, draft)))
    for draft in body.get("inventory", []):
        created["inventory"].append(state.insert("inventory-entry", inventory_from_draft(state, draft)))
    for draft in body.get("orders", []):
        created["orders"].append(seed_order(state, draft))
    return web.json_response(created, status=201)


def cart_discount(draft: dict[str, Any]) -> dict[str, Any]:
    """A CartDiscount: `value` relative {permyriad} or absolute {money:[...]}, `target` lineItems with a
    predicate (`true`, or `sku in ("A","B")`) or totalPrice, `sortOrder`, `requiresDiscountCode`."""
    if draft.get("value", {}).get("type") not in ("relative", "absolute"):
        raise invalid("value must be relative or absolute", "InvalidField", field="value")
    if (draft.get("target") or {}).get("type") not in ("lineItems", "totalPrice"):
        raise invalid("target must be lineItems or totalPrice", "InvalidField", field="target")
    return {
        "key": draft.get("key"),
        "name": draft.get("name", {"en": draft.get("key", "discount")}),
        "value": draft["value"],
        "target": draft["target"],
        "sortOrder": str(draft.get("sortOrder", "0.5")),
        "isActive": draft.get("isActive", True),
        "requiresDiscountCode": draft.get("requiresDiscountCode", True),
    }


def discount_code(state: SimState, draft: dict[str, Any]) -> dict[str, Any]:
    refs = []
    for ref in draft.get("cartDiscounts", []):
        found = state.by_key_or_id("cart-discount", ref)
        if found is None:
            raise invalid(
                f"cart discount {ref} not found", "ReferencedResourceNotFound", typeId="cart-discount"
            )
        refs.append({"typeId": "cart-discount", "id": found["id"]})
    return {"code": draft["code"], "cartDiscounts": refs, "isActive": True}


async def order_from_cart_route(request: web.Request) -> web.Response:
    """Body `{"orders":[cart-like draft, ...], "dryRun": false}`: each placed as if from a priced cart
    (one call for a whole batch); returns them. With `dryRun` they are only priced: nothing is stored."""
    state = _state(request)
    body = await _json(request)
    dry_run = bool(body.get("dryRun", False))
    orders = [order_from_cart(state, d, dry_run=dry_run) for d in body.get("orders", [])]
    return web.json_response({"orders": orders}, status=200 if dry_run else 201)


async def set_faults(request: web.Request) -> web.Response:
    """Body `[{"method":"POST","path":"/orders/","drop_rate":1.0}, ...]` replaces every rule."""
    body = await _json(request)
    try:
        rules = [FaultRule.from_json(rule) for rule in body]
    except (TypeError, ValueError) as error:
        raise invalid(f"invalid fault rule: {error}") from None
    _state(request).options.faults = rules
    return web.json_response([rule.to_json() for rule in rules])


async def set_options(request: web.Request) -> web.Response:
    state = _state(request)
    body = await _json(request)
    for name, value in body.items():
        if name not in _OPTION_NAMES:
            raise invalid(f"unknown option {name!r}; settable: {_OPTION_NAMES}")
        if name == "push_types":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise invalid("push_types must be a list of message types ([] pushes every type)")
            setattr(state.options, name, tuple(value))
        else:
            setattr(state.options, name, value)
    return web.json_response({name: getattr(state.options, name) for name in _OPTION_NAMES})


async def snapshot(request: web.Request) -> web.Response:
    state = _state(request)
    return web.json_response(
        {"resources": {k: list(v.values()) for k, v in state.resources.items()}, "messages": state.messages}
    )


async def stats(request: web.Request) -> web.Response:
    return web.json_response(_state(request).stats)


async def reset(request: web.Request) -> web.Response:
    _state(request).reset()
    _state(request).options.faults = []
    return web.json_response({})


async def expire_tokens(request: web.Request) -> web.Response:
    tokens: TokenStore = request.app[TOKENS]
    tokens.expire_all()
    return web.json_response({"expired": len(tokens.tokens)})


def add_control_routes(app: web.Application) -> None:
    app.router.add_post("/_sim/seed", seed)
    app.router.add_post("/_sim/orders/from-cart", order_from_cart_route)
    app.router.add_put("/_sim/faults", set_faults)
    app.router.add_patch("/_sim/options", set_options)
    app.router.add_get("/_sim/state", snapshot)
    app.router.add_get("/_sim/stats", stats)
    app.router.add_post("/_sim/reset", reset)
    app.router.add_post("/_sim/tokens/expire", expire_tokens)
