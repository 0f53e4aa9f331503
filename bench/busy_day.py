"""A busy day against the simulators' control APIs, and the check of its outcome from their own state.

`seed_orders` checks out orders in the commercetools simulator (payments, stock on the supply
channel, the reason-code Type); `run_day` waits until order sync has put them in ReBound, books a
seeded day of returns there and moves simulated time tick by tick, delivering webhooks;
`check_outcome` reads ReBound's returns and acknowledgements and commercetools' orders, payments
and inventory, and lists every difference from what the contract says must have happened.
Backflow's database is read only for what lives nowhere else (inbox rows, exceptions via the admin API).
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.keys import return_item_key
from bench.stack import REASONS, SUPPLY_CHANNEL, Stack, request

SKUS = [f"SKU-{n:03d}" for n in range(24)]
INITIAL_STOCK = 1000
RESTOCKED = frozenset({"SELLABLE", "SELLABLE_REPACK"})  # restock-repack = true (the default policy)
REFUND_TOLERANCE_MINOR = 1
VAT = {"name": "UK VAT", "amount": 0.2, "includedInPrice": True, "country": "GB"}


# ------------------------------------------------------------------ commercetools: orders to return


def order_draft(number: str, rng: random.Random) -> dict[str, Any]:
    skus = rng.sample(SKUS, k=rng.randint(1, 3))
    lines = [(sku, rng.randint(1, 3), rng.randrange(500, 6000, 5)) for sku in skus]
    return {
        "orderNumber": number,
        "totalPrice": {"currencyCode": "GBP", "centAmount": sum(q * c for _, q, c in lines)},
        "lineItems": [
            {
                "name": {"en": sku},
                "variant": {"sku": sku},
                "price": {"value": {"currencyCode": "GBP", "centAmount": cents}},
                "quantity": quantity,
                "taxRate": VAT,
            }
            for sku, quantity, cents in lines
        ],
    }


def seed_catalogue(stack: Stack) -> None:
    """The reason-code Type and a stock entry per SKU on the supply channel."""
    reason_type = {
        "key": "backflow-return-item",
        "name": {"en": "Return item"},
        "resourceTypeIds": ["order-return-item"],
        "fieldDefinitions": [
            {
                "name": "reasonCode",
                "label": {"en": "Reason"},
                "required": False,
                "inputHint": "SingleLine",
                "type": {"name": "Enum", "values": [{"key": k, "label": k} for k in REASONS.values()]},
            }
        ],
    }
    inventory = [
        {
            "sku": sku,
            "quantityOnStock": INITIAL_STOCK,
            "supplyChannel": {"typeId": "channel", "id": SUPPLY_CHANNEL},
        }
        for sku in SKUS
    ]
    status, answer = request(
        "POST", f"{stack.ct}/_sim/seed", {"types": [reason_type], "inventory": inventory}
    )
    assert status == 201, answer


def seed_orders(stack: Stack, numbers: list[str], rng: random.Random) -> None:
    """Orders as if customers checked out (`OrderCreated`), each with its paid payment."""
    for start in range(0, len(numbers), 100):
        drafts = [order_draft(number, rng) for number in numbers[start : start + 100]]
        payments = [
            {
                "amountPlanned": d["totalPrice"],
                "transactions": [{"type": "Charge", "amount": d["totalPrice"], "state": "Success"}],
            }
            for d in drafts
        ]
        status, created = request("POST", f"{stack.ct}/_sim/seed", {"payments": payments})
        assert status == 201, created
        for draft, payment in zip(drafts, created["payments"], strict=True):
            draft["paymentInfo"] = {"payments": [{"typeId": "payment", "id": payment["id"]}]}
        status, answer = request("POST", f"{stack.ct}/_sim/seed", {"orders": drafts})
        assert status == 201, answer


# ------------------------------------------------------------------ ReBound: the day


def rebound_state(stack: Stack) -> dict[str, Any]:
    status, state = request("GET", f"{stack.rb}/_sim/state")
    assert status == 200, state
    return dict(state)


def wait_until(
    check: Callable[[], bool], within: float, what: str, tick: Callable[[], None] | None = None
) -> None:
    ends = time.monotonic() + within
    while time.monotonic() < ends:
        if check():
            return
        if tick is not None:
            tick()
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {within:.0f}s waiting for {what}")


@dataclass
class Day:
    """Drives ReBound's simulated time; `between_ticks` lets a caller (chaos) act while the day runs."""

    stack: Stack
    returns: int
    tick_seconds: float = 3 * 3600.0
    ticks: int = 0
    between_ticks: Callable[[Day], None] | None = None

    def book(self, orders: int, within: float = 120) -> None:
        wait_until(
            lambda: rebound_state(self.stack)["orders"] >= orders,
            within,
            f"{orders} orders synced to ReBound",
        )
        status, answer = request(
            "POST", f"{self.stack.rb}/_sim/day", {"returns": self.returns, "seconds": 86400}
        )
        assert status == 201, answer

    def tick(self) -> dict[str, Any]:
        status, state = request("POST", f"{self.stack.rb}/_sim/advance", {"seconds": self.tick_seconds})
        assert status == 200, state
        request("POST", f"{self.stack.rb}/_sim/deliver", {}, timeout=120)
        self.ticks += 1
        if self.between_ticks is not None:
            self.between_ticks(self)
        return dict(state)

    def run(self, within: float, stop: threading.Event | None = None) -> None:
        """Tick until nothing is scheduled and every delivery is done (or abandoned), or `stop` is set."""
        ends = time.monotonic() + within
        while time.monotonic() < ends and not (stop is not None and stop.is_set()):
            state = self.tick()
            if state["scheduled"] == 0 and state["deliveries"]["pending"] == 0:
                return
        raise TimeoutError(f"the day did not finish within {within:.0f}s ({self.ticks} ticks)")


def wait_quiet(stack: Stack, within: float) -> None:
    """Until the daemon has nothing due, leased or retrying and no inbox row pending."""

    def quiet() -> bool:
        status, overview = stack.admin("GET", "/api/overview")
        if status != 200:
            return False
        busy = 0
        for queue in overview["queues"]:
            busy += queue.get("due", 0) + queue.get("leased", 0) + queue.get("retrying", 0)
            busy += queue.get("scheduled", 0)
        return busy == 0 and overview["inbox"].get("pending", 0) == 0

    wait_until(quiet, within, "the daemon to finish its work")


# ------------------------------------------------------------------ the check


def _token(stack: Stack) -> str:
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": "backflow",
            "client_secret": stack.secrets.rebound_client_secret,
        }
    ).encode()
    with urllib.request.urlopen(f"{stack.rb}/oauth/token", data=form, timeout=30) as response:
        return str(json.loads(response.read())["access_token"])


def rebound_returns(stack: Stack) -> list[dict[str, Any]]:
    token = _token(stack)
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
        want = INITIAL_STOCK + expected_stock[sku]
        out.restocked_units += entry["quantityOnStock"] - INITIAL_STOCK
        if entry["quantityOnStock"] > want:
            out.duplicates.append(f"{sku}: stock {entry['quantityOnStock']} > {want} (restocked twice)")
        elif entry["quantityOnStock"] < want:
            out.lost.append(f"{sku}: stock {entry['quantityOnStock']} < {want} (restock missing)")
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
    if wanted == 0:
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
    with sqlite3.connect(f"file:{stack.db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT source_id, status FROM inbox WHERE source = 'rebound'").fetchall()
    status = dict(rows)
    if len(rows) != len(status):
        out.duplicates.append("an event stored twice in the inbox")
    for event in delivered:
        if status.get(event) != "processed":
            out.lost.append(f"event {event}: delivered, inbox says {status.get(event)}")


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
