"""The simulated platform: a portal that books returns, hubs that run their plans, and an event log.

Three seeded generators keep concerns apart, so that API traffic (rate-limit dice) never shifts the
scenario's dice and a seeded day repeats whatever the client does.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from backflow.devtools.rebound_sim import flows
from backflow.devtools.rebound_sim.delivery import Deliverer
from backflow.devtools.rebound_sim.oidc import OidcIssuer
from backflow.devtools.rebound_sim.options import SimOptions
from backflow.devtools.rebound_sim.state import EmittedEvent, SimItem, SimReturn, SimState, StoredOrder, ulid
from backflow.devtools.rebound_sim.tracking_channels import TrackingChannels
from backflow.devtools.rebound_sim.tracking_format import tracking_update
from backflow.domain.return_snapshot import ReturnEvent
from backflow.ports.returns_platform import SalesOrder, SalesOrderItem

_ENCODER = msgspec.json.Encoder()
API_VERSION = "2026-01"
_STREAMS = ("decide", "pick", "life")
"""A generated booking's random streams: what happens to it, what it picks, how its life goes."""


@dataclass(order=True)
class _Scheduled:
    due: datetime
    number: int
    return_id: str
    step: flows.Step


class Simulator:
    def __init__(self, options: SimOptions) -> None:
        self.options = options
        self.now = options.start
        self.state = SimState()
        self.issuer = OidcIssuer()
        self.seed(options.seed)

    def seed(self, seed: int) -> None:
        self.options.seed = seed
        self.scenario_rng = random.Random(seed)
        self._generated = 0
        """Returns the portal has booked on its own so far (each one's draws are seeded by its index)."""
        self.api_rng = random.Random(seed + 1)
        self.deliverer = Deliverer(self.options, random.Random(seed + 2))
        self.tracking = TrackingChannels(self.options, self.issuer)
        self._schedule: list[_Scheduled] = []

    # ------------------------------------------------------------------ orders (API side)
    def put_order(self, order: SalesOrder) -> bool:
        """Store an order; True when it is new."""
        known = self.state.orders.get(order.clientOrderId)
        if known is None:
            self.state.orders[order.clientOrderId] = StoredOrder(order, self.now, self.now)
            return True
        known.order, known.updated_at = order, self.now
        return False

    # ------------------------------------------------------------------ booking
    def book(
        self, client_order_id: str, items: list[dict[str, Any]], *, flow: str, currency: str
    ) -> SimReturn:
        number = self.state.next_number()
        ret = SimReturn(
            return_id=f"RB-{number:05d}{self.scenario_rng.choice('ABCDEFGHJKMNPQRSTVWXYZ')}",
            client_order_id=client_order_id,
            rebound_order_id=f"(00)687{number:015d}",
            flow=flow,
            currency=currency,
            items=[self._item(spec, currency) for spec in items],
            created_at=self.now,
            updated_at=self.now,
        )
        self.state.returns[ret.return_id] = ret
        return ret

    def _item(self, spec: dict[str, Any], currency: str) -> SimItem:
        return SimItem(
            rebound_item_id=self._item_id(),
            sku=str(spec["sku"]),
            quantity_expected=int(spec.get("quantity", 1)),
            client_item_id=spec.get("clientItemId"),
            unit_price=spec.get("unitPrice"),
            currency=currency,
            reason_code=spec.get("reasonCode"),
            customer_comment=spec.get("customerComment"),
        )

    def _item_id(self) -> str:
        return f"(00)987{self.state.next_number():015d}"

    def book_generated(self) -> SimReturn:
        """The portal: a customer returns some lines of an order ReBound has (or, on purpose, has not).

        What happens to the n-th booking of a seed (its flow, an unknown order, an over-return, its
        life) is drawn from random streams of its own, so it does not depend on how many orders ReBound
        happens to hold at that moment: a seeded day draws the same failure cases however fast order
        sync ran. Which order and lines it picks still follows what ReBound holds."""
        index = self._generated
        self._generated += 1
        decide, pick, life = (random.Random(f"{self.options.seed}:{part}:{index}") for part in _STREAMS)
        orders = sorted(self.state.orders)
        items: list[dict[str, Any]]
        flow = decide.choices(list(self.options.flow_weights), list(self.options.flow_weights.values()))[0]
        unknown = decide.random() < self.options.unknown_order_rate
        over = decide.random() < self.options.over_return_rate
        if not orders or unknown:
            number = self.state.next_number()
            items = [
                {"sku": f"UNSYNCED-{number}", "clientItemId": f"unsynced-line-{number}", "unitPrice": "20.00"}
            ]
            items[0]["reasonCode"] = self._reason(pick)
            ret = self.book(f"CT-UNSYNCED-{number}", items, flow=flow, currency="GBP")
        else:
            stored = self.state.orders[pick.choice(orders)].order
            returnable = [
                (line, line.quantity if over else line.quantity - self._booked(stored, line.clientItemId))
                for line in stored.items
            ]
            returnable = [(line, left) for line, left in returnable if left > 0]
            if not returnable:  # everything on this order is already on its way back: pick another
                stored, returnable = self._returnable_elsewhere(pick, orders, stored)
            chosen = pick.sample(returnable, k=pick.randint(1, min(3, len(returnable)))) if returnable else []
            items = [
                {
                    "sku": line.sku,
                    "clientItemId": line.clientItemId,
                    # An over-return (on purpose) books more than the customer can still send back.
                    "quantity": left + 1 if over else pick.randint(1, left),
                    "unitPrice": line.unitPrice,
                    "reasonCode": self._reason(pick),
                }
                for line, left in chosen
            ]
            for item in items:
                key = (stored.clientOrderId, str(item["clientItemId"]))
                self.state.booked[key] = self.state.booked.get(key, 0) + int(item["quantity"])
            ret = self.book(stored.clientOrderId, items, flow=flow, currency=stored.currency)
        self._schedule_plan(ret, flows.plan(life, ret, self.options))
        return ret

    def _booked(self, order: SalesOrder, client_item_id: str) -> int:
        return self.state.booked.get((order.clientOrderId, client_item_id), 0)

    def _returnable_elsewhere(
        self, rng: random.Random, orders: list[str], fallback: SalesOrder
    ) -> tuple[SalesOrder, list[tuple[SalesOrderItem, int]]]:
        """The first order (from a seeded start) with units left to return, and those lines."""
        start = rng.randrange(len(orders))
        for index in range(len(orders)):
            order = self.state.orders[orders[(start + index) % len(orders)]].order
            left = [(line, line.quantity - self._booked(order, line.clientItemId)) for line in order.items]
            if any(units > 0 for _, units in left):
                return order, [(line, units) for line, units in left if units > 0]
        return fallback, []

    def _reason(self, rng: random.Random) -> str:
        pool = (
            self.options.odd_reason_codes
            if rng.random() < self.options.odd_reason_rate
            else self.options.reason_codes
        )
        return rng.choice(pool)

    def schedule_day(self, returns: int, over_seconds: float = 86_400.0) -> list[datetime]:
        """Book `returns` returns at seeded moments over the coming period; booking happens as time passes."""
        moments = sorted(
            self.now + timedelta(seconds=self.scenario_rng.uniform(0, over_seconds)) for _ in range(returns)
        )
        for moment in moments:
            self._push(moment, "", flows.Step("book"))
        return moments

    def _schedule_plan(self, ret: SimReturn, steps: list[flows.Step]) -> None:
        due = self.now
        for step in steps:
            due = due + timedelta(seconds=step.delay)
            self._push(due, ret.return_id, step)

    def _push(self, due: datetime, return_id: str, step: flows.Step) -> None:
        heapq.heappush(self._schedule, _Scheduled(due, self.state.next_number(), return_id, step))

    # ------------------------------------------------------------------ scripting
    def script(self, spec: dict[str, Any]) -> tuple[SimReturn, list[str]]:
        """ "This return, these events, in this order": every step is applied now, a second apart.

        `spec`: clientOrderId, flow, currency, items [{clientItemId, sku, quantity, unitPrice, reasonCode}],
        steps [{"event": ..., **params}], optional deliveryOrder (indices into the emitted events).
        """
        currency = spec.get("currency", "GBP")
        ret = self.book(
            str(spec["clientOrderId"]),
            list(spec.get("items", [])),
            flow=spec.get("flow", "STANDARD"),
            currency=currency,
        )
        emitted: list[EmittedEvent] = []
        for raw in spec.get("steps", []):
            step = flows.Step(
                str(raw["event"]), 0.0, {key: value for key, value in raw.items() if key != "event"}
            )
            self.now += timedelta(seconds=1)
            emitted.append(self._apply(ret, step, deliver=False))
        order = spec.get("deliveryOrder") or list(range(len(emitted)))
        for index in order:
            self.deliverer.enqueue(emitted[int(index)], self.now)
            self._publish(emitted[int(index)])
        return ret, [item.event.id for item in emitted]

    # ------------------------------------------------------------------ time
    def step(self) -> EmittedEvent | None:
        """Run the next scheduled step, moving time to it; None when nothing is scheduled."""
        while self._schedule:
            item = heapq.heappop(self._schedule)
            self.now = max(self.now, item.due)
            if item.step.event == "book":
                self.book_generated()
                continue
            ret = self.state.returns[item.return_id]
            if ret.is_closed and item.step.event != "refund":
                continue
            return self._apply(ret, item.step, deliver=True)
        return None

    def advance(self, seconds: float) -> int:
        """Fast-forward: run every step due within `seconds`; returns how many events were emitted."""
        until = self.now + timedelta(seconds=seconds)
        emitted = 0
        while self._schedule and self._schedule[0].due <= until:
            if self.step() is not None:
                emitted += 1
        self.now = until
        return emitted

    @property
    def scheduled(self) -> int:
        return len(self._schedule)

    # ------------------------------------------------------------------ emission
    def _apply(self, ret: SimReturn, step: flows.Step, *, deliver: bool) -> EmittedEvent:
        flows.apply(ret, step, next_item_id=self._item_id())
        ret.sequence += 1
        ret.updated_at = self.now
        event_type = "refund.triggered" if step.event == "refund" else f"return_order.{step.event}"
        ret.history.append(event_type)
        event = ReturnEvent(
            id=ulid(self.now, self.scenario_rng),
            type=event_type,
            createdAt=self.now,
            sequence=ret.sequence,
            data=ret.snapshot(),
            apiVersion=API_VERSION,
        )
        published = None if step.event == "refund" else tracking_update(ret)
        emitted = EmittedEvent(event, _ENCODER.encode(event), ret.return_id, published)
        self.state.events.append(emitted)
        if deliver:
            self.deliverer.enqueue(emitted, self.now)
            self._publish(emitted)
        return emitted

    def _publish(self, emitted: EmittedEvent) -> None:
        """The milestone as a published tracking update, over every configured channel."""
        if emitted.tracking is not None:
            ret = self.state.returns[emitted.return_id]
            self.tracking.enqueue(emitted.tracking, ret.rebound_order_id, self.now)
