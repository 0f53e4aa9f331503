"""The check of a busy day's outcome from the simulators' own state: ReBound's returns and
acknowledgements, commercetools' orders, payments and inventory, listing every difference from what
the contract says must have happened. Backflow's database is read only for what lives nowhere else
(inbox rows); its exceptions come from the admin API. The chaos run ends with it."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg

from backflow.app.core.keys import return_item_key
from backflow.devtools.busy_day.catalog import STOCK_PER_ENTRY
from backflow.devtools.shop import RB_CLIENT, REASONS, SUPPLY_CHANNEL
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack

RESTOCKED = frozenset({"SELLABLE", "SELLABLE_REPACK"})  # restock-repack = true (the default policy)
REFUND_TOLERANCE_MINOR = 1


def rebound_token(stack: Stack) -> str:
    """A bearer token for ReBound's API, as Backflow's own client gets one."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": RB_CLIENT,
            "client_secret": stack.secrets.rebound_client_secret,
        }
    ).encode()
    with urllib.request.urlopen(f"{stack.rb}/oauth/token", data=form, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


def rebound_returns(stack: Stack) -> list[dict[str, Any]]:
    token = rebound_token(stack)
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10_000):
        query = {"updatedSince": "2000-01-01T00:00:00+00:00", "limit": "200"}
        if cursor:
            query["cursor"] = cursor
        url = f"{stack.rb}/v2/return-orders?{urllib.parse.urlencode(query)}"
        status, page = request("GET", url, headers={"Authorization": f"Bearer {token}"})
        assert status == 200, page
        found += page["results"]
        cursor = page["nextCursor"]
        if not cursor:
            break
    return found


def _minor(amount: str) -> int:
    units, _, cents = amount.partition(".")
    return int(units) * 100 + int((cents + "00")[:2]) * (-1 if units.startswith("-") else 1)


@dataclass
class Outcome:
    returns: int = 0
    anchored: int = 0
    refunds: int = 0
    refunded_minor: int = 0
    restocked_units: int = 0
    delivered_events: int = 0
    exceptions: dict[str, int] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "returns": self.returns,
            "anchored": self.anchored,
            "refunds": self.refunds,
            "refunded_minor": self.refunded_minor,
            "restocked_units": self.restocked_units,
            "delivered_events": self.delivered_events,
            "exceptions": self.exceptions,
            "duplicates": len(self.duplicates),
            "lost": len(self.lost),
            "wrong": len(self.wrong),
        }


def check_outcome(stack: Stack) -> Outcome:
    out = Outcome()
    returns = rebound_returns(stack)
    _, acks = request("GET", f"{stack.rb}/_sim/acknowledgements")
    _, deliveries = request("GET", f"{stack.rb}/_sim/deliveries")
    _, ct_state = request("GET", f"{stack.ct}/_sim/state")
    resources = ct_state["resources"]
    orders = {o.get("orderNumber"): o for o in resources.get("order", [])}
    payments = {p["id"]: p for p in resources.get("payment", [])}
    stock = {
        e["sku"]: e
        for e in resources.get("inventory-entry", [])
        if (e.get("supplyChannel") or {}).get("id") == SUPPLY_CHANNEL
    }
    out.returns = len(returns)

    # Which order lines more than one return claims beyond the ordered quantity: anchoring refuses one
    # of them (return_order_mismatch), and which one depends on arrival order, so those are checked loosely.
    claimed: Counter[tuple[str, str]] = Counter()
    for ret in returns:
        for item in ret["items"]:
            if item.get("clientItemId"):
                claimed[(ret["order"]["clientOrderId"], item["clientItemId"])] += item["quantityExpected"]
    expected_stock: Counter[str] = Counter()
    return_items: dict[str, dict[str, Any]] = {}
    for order in orders.values():
        for info in order.get("returnInfo", []):
            for item in info["items"]:
                if item.get("key") in return_items:
                    out.duplicates.append(
                        f"return item {item['key']} written twice to {order['orderNumber']}"
                    )
                return_items[item.get("key")] = item

    anchored_ids: set[str] = set()
    contested_ids: set[str] = set()
    for ret in returns:
        rid, status = ret["order"]["returnId"], ret["order"]["status"]
        order = orders.get(ret["order"]["clientOrderId"])
        if status not in ("PROCESSED", "CANCELLED", "EXCEPTION"):
            out.lost.append(f"{rid}: ReBound left it in {status}")
        if order is None:
            continue
        ordered = {line["id"]: line["quantity"] for line in order["lineItems"]}
        contested = any(
            claimed[(ret["order"]["clientOrderId"], i["clientItemId"])] > ordered.get(i["clientItemId"], 0)
            for i in ret["items"]
            if i.get("clientItemId")
        )
        expected_items = [i for i in ret["items"] if i.get("clientItemId")]
        written = [return_items.get(return_item_key(i["reboundItemId"])) for i in expected_items]
        if contested:
            contested_ids.add(rid)
        if all(w is not None for w in written) and written:
            out.anchored += 1
            anchored_ids.add(rid)
        elif status == "CANCELLED":
            # Cancelled in ReBound before Backflow anchored it: a closed case is never anchored (the
            # order carries no return info for a return that will not come back), nothing is lost;
            # and nothing may have been refunded for it.
            _check_refund(out, ret, order, payments, acks.get(rid, {}))
            continue
        elif not contested:
            out.lost.append(f"{rid}: not anchored in commercetools ({order['orderNumber']})")
            continue
        else:
            continue
        for item, ct_item in zip(expected_items, written, strict=True):
            assert ct_item is not None
            received = item.get("quantityReceived") or 0
            if status in ("PROCESSED",) and received > 0:
                want = "BackInStock" if item.get("disposition") in RESTOCKED else "Unusable"
                if ct_item["shipmentState"] != want:
                    out.wrong.append(f"{rid}/{item['reboundItemId']}: {ct_item['shipmentState']} != {want}")
                if want == "BackInStock":
                    expected_stock[item["sku"]] += received
        _check_refund(out, ret, order, payments, acks.get(rid, {}))

    for sku, entry in stock.items():
        units = STOCK_PER_ENTRY + expected_stock[sku]
        out.restocked_units += entry["quantityOnStock"] - STOCK_PER_ENTRY
        if entry["quantityOnStock"] > units:
            out.duplicates.append(f"{sku}: stock {entry['quantityOnStock']} > {units} (restocked twice)")
        elif entry["quantityOnStock"] < units:
            out.lost.append(f"{sku}: stock {entry['quantityOnStock']} < {units} (restock missing)")
        markers = (entry.get("custom") or {}).get("fields", {}).get("backflowRestockIds", [])
        if len(markers) != len(set(markers)):
            out.duplicates.append(f"{sku}: a restock marker twice")

    _check_deliveries(out, stack, deliveries)
    _check_exceptions(out, stack, _expected_exceptions(returns, anchored_ids, contested_ids))
    return out


def _check_refund(
    out: Outcome,
    ret: dict[str, Any],
    order: dict[str, Any],
    payments: dict[str, dict[str, Any]],
    acks: dict[str, dict[str, Any]],
) -> None:
    rid, proposal = ret["order"]["returnId"], ret.get("refund")
    refunds = [
        t
        for ref in order.get("paymentInfo", {}).get("payments", [])
        for t in payments[ref["id"]]["transactions"]
        if t["type"] == "Refund" and f":{rid}:" in (t.get("interactionId") or "")
    ]
    refunded_acks = [a for a in acks.values() if a.get("type") == "REFUNDED"]
    out.refunds += len(refunds)
    if len(refunds) > 1:
        out.duplicates.append(f"{rid}: {len(refunds)} refund transactions")
    if len(refunded_acks) > 1:
        out.duplicates.append(f"{rid}: told ReBound REFUNDED {len(refunded_acks)} times")
    restocked_acks = [a for a in acks.values() if a.get("type") == "RESTOCKED"]
    if len(restocked_acks) > 1:
        out.duplicates.append(f"{rid}: told ReBound RESTOCKED {len(restocked_acks)} times")
    wanted = _minor(proposal["totalAmount"]) if proposal else 0
    if proposal is None or wanted == 0:
        if refunds:
            out.wrong.append(f"{rid}: refunded without a proposal")
        return
    if not refunds:
        out.lost.append(f"{rid}: refund of {proposal['totalAmount']} never issued")
        return
    amount = refunds[0]["amount"]["centAmount"]
    out.refunded_minor += amount
    # A partial refund is the line's cumulative share of what was paid, rounded once (docs/refunds.md),
    # so one refund may differ from ReBound's unitPrice x n by up to the configured tolerance (1) per line.
    if abs(amount - wanted) > len(proposal["lines"]) * REFUND_TOLERANCE_MINOR:
        out.wrong.append(f"{rid}: refunded {amount} != proposed {wanted}")
    if not refunded_acks:
        out.lost.append(f"{rid}: refund not acknowledged to ReBound")


def _check_deliveries(out: Outcome, stack: Stack, deliveries: dict[str, Any]) -> None:
    delivered = {event for event, done in deliveries["delivered"].items() if done}
    out.delivered_events = len(delivered)
    rows = _inbox_rows(stack)
    status = dict(rows)
    if len(rows) != len(status):
        out.duplicates.append("an event stored twice in the inbox")
    for event in delivered:
        if status.get(event) != "processed":
            out.lost.append(f"event {event}: delivered, inbox says {status.get(event)}")


def _inbox_rows(stack: Stack) -> list[tuple[str, str]]:
    """(event id, status) of every ReBound event in the inbox, from whichever database the stack uses."""
    query = "SELECT source_id, status FROM inbox WHERE source = 'rebound'"
    if stack.db_url:
        with psycopg.connect(stack.db_url) as pg:
            return [(str(a), str(b)) for a, b in pg.execute(query).fetchall()]
    with sqlite3.connect(f"file:{stack.db}?mode=ro", uri=True) as conn:
        return [(str(a), str(b)) for a, b in conn.execute(query).fetchall()]


def _expected_exceptions(
    returns: list[dict[str, Any]], anchored: set[str], contested: set[str]
) -> set[tuple[str, str]]:
    """(type, return id) that the contract says must be raised, from ReBound's own view of each return."""
    mapped = {text.strip().casefold() for text in REASONS}
    expected: set[tuple[str, str]] = set()
    for ret in returns:
        rid = ret["order"]["returnId"]
        if rid in contested and rid not in anchored:
            expected.add(("return_order_mismatch", rid))
        if rid not in anchored:
            continue
        for item in ret["items"]:
            reason = item.get("reasonCode")
            if reason and reason.strip().casefold() not in mapped:
                # One exception per unmapped code (merchandising maps a code once), keyed by the code.
                expected.add(("unmapped_reason_code", f"code:{reason.strip().casefold()}"))
            if ret["order"]["status"] == "PROCESSED" and item.get("disposition") == "MISSING":
                expected.add(("missing_item", rid))
            if ret["order"]["status"] == "PROCESSED" and item.get("disposition") == "UNEXPECTED_ITEM":
                expected.add(("unexpected_item", rid))
    return expected


def _check_exceptions(out: Outcome, stack: Stack, expected: set[tuple[str, str]]) -> None:
    code, found = stack.admin("GET", "/api/exceptions?state=any&limit=1000")
    assert code == 200, found
    items = found["items"] if isinstance(found, dict) else found
    keys = Counter((e["type"], e["dedupe_key"]) for e in items)
    out.exceptions = dict(Counter(e["type"] for e in items))
    out.duplicates += [f"exception {t} {k} x{n}" for (t, k), n in keys.items() if n > 1]
    # Every dead letter is work that was given up on: lost unless someone requeues it.
    out.lost += [f"dead letter: {e['dedupe_key']}" for e in items if e["type"] == "dead_letter"]
    raised = {(e["type"], e["return_id"]) for e in items}
    raised |= {
        (e["type"], "code:" + e["dedupe_key"].split(":", 1)[1]) for e in items if ":" in e["dedupe_key"]
    }
    out.lost += [f"exception {kind} for {rid} missing" for kind, rid in sorted(expected - raised)]
