"""Alerts to people: a JSON notification posted to a configured webhook (a chat channel, say)."""

from __future__ import annotations

from typing import Protocol

import msgspec


class Alert(msgspec.Struct, frozen=True, kw_only=True):
    exception_id: int
    reason: str
    """`opened` or `age_limit`."""
    type: str
    owner: str
    severity: str
    return_id: str | None
    order_ref: str | None
    first_seen: str
    """ISO 8601."""
    count: int
    text: str
    """One line a person can read in a chat channel."""


class AlertSender(Protocol):
    async def send(self, alert: Alert) -> None:
        """Deliver once; raise `ports.errors.TransientError` (or any error) to be retried later."""
        ...
