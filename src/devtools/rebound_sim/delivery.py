"""Webhook delivery as ReBound does it: signed, at least once, unordered, retried with backoff.

Due times are simulated time (so a 72 h retry window compresses with the scale); signatures use the
wall clock, because the receiver checks `t` against its own clock.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import aiohttp

from backflow.adapters.rebound import signature
from backflow.devtools.rebound_sim.options import SimOptions
from backflow.devtools.rebound_sim.state import EmittedEvent


@dataclass
class Delivery:
    emitted: EmittedEvent
    due_at: datetime
    first_due: datetime
    attempt: int = 1


@dataclass
class Attempt:
    event_id: str
    event_type: str
    return_id: str
    sequence: int
    attempt: int
    at: datetime
    outcome: str
    """`delivered`, `failed` (will retry) or `abandoned` (retry window exhausted)."""
    http_status: int | None = None
    error: str | None = None


@dataclass
class Deliverer:
    options: SimOptions
    rng: random.Random
    wall_clock: Callable[[], float] = time.time
    pending: list[Delivery] = field(default_factory=list)
    log: list[Attempt] = field(default_factory=list)
    delivered: dict[str, bool] = field(default_factory=dict)
    """Per event id: whether some delivery of it was answered 2xx."""

    def enqueue(self, emitted: EmittedEvent, now: datetime) -> None:
        self.delivered.setdefault(emitted.event.id, False)
        self.pending.append(Delivery(emitted, now, now))
        if self.rng.random() < self.options.duplicate_rate:
            later = now + timedelta(seconds=self.rng.uniform(0, 5))
            self.pending.append(Delivery(emitted, later, later))

    def due(self, now: datetime) -> list[Delivery]:
        return [delivery for delivery in self.pending if delivery.due_at <= now]

    async def flush(self, session: aiohttp.ClientSession, now: datetime) -> list[Attempt]:
        """Send every due delivery once; the batch goes out shuffled at `out_of_order_rate`."""
        url = self.options.webhook_url
        batch = self.due(now)
        if url is None or not batch:
            return []
        if self.rng.random() < self.options.out_of_order_rate:
            self.rng.shuffle(batch)
        attempts = []
        for delivery in batch:
            attempts.append(await self._send(session, url, delivery, now))
        return attempts

    async def _send(
        self, session: aiohttp.ClientSession, url: str, delivery: Delivery, now: datetime
    ) -> Attempt:
        event = delivery.emitted.event
        headers = {
            "Content-Type": "application/json",
            "ReBound-Event-Id": event.id,
            "ReBound-Event-Type": event.type,
            "ReBound-Delivery-Attempt": str(delivery.attempt),
            signature.SIGNATURE_HEADER: signature.sign(
                self.options.webhook_secrets, int(self.wall_clock()), delivery.emitted.body
            ),
        }
        status: int | None = None
        error: str | None = None
        try:
            timeout = aiohttp.ClientTimeout(total=self.options.delivery_timeout)
            async with session.post(
                url, data=delivery.emitted.body, headers=headers, timeout=timeout
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        outcome = (
            "delivered" if status is not None and 200 <= status < 300 else self._reschedule(delivery, now)
        )
        if outcome == "delivered":
            self.pending.remove(delivery)
            self.delivered[event.id] = True
        attempt = Attempt(
            event.id,
            event.type,
            delivery.emitted.return_id,
            event.sequence,
            delivery.attempt,
            now,
            outcome,
            status,
            error,
        )
        self.log.append(attempt)
        return attempt

    def _reschedule(self, delivery: Delivery, now: datetime) -> str:
        base = self.options.retry_base
        backoff = base * 2 ** (delivery.attempt - 1) + self.rng.uniform(0, base)
        next_due = now + timedelta(seconds=backoff)
        if (next_due - delivery.first_due).total_seconds() > self.options.retry_window:
            self.pending.remove(delivery)
            return "abandoned"
        delivery.attempt += 1
        delivery.due_at = next_due
        return "failed"

    def next_due(self) -> datetime | None:
        return min((delivery.due_at for delivery in self.pending), default=None)
