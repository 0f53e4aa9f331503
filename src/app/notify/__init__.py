"""Notify: acknowledgements to ReBound and alerts to people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backflow.app.core import messages as kinds
from backflow.app.core.declarations import ActorSpec, InboxHandler, JobDecl, OutboxHandler
from backflow.app.notify import acknowledge_return, queue_alerts, send_alert

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {
    kinds.ACKNOWLEDGE_RETURN: acknowledge_return.acknowledge_return,
    kinds.SEND_ALERT: send_alert.send_alert,
}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {}
JOBS: Sequence[JobDecl] = (JobDecl("alerts", "alerts_seconds", queue_alerts.queue_alerts),)
ACTORS: Sequence[ActorSpec] = (
    ActorSpec("rebound_acknowledgements", (kinds.ACKNOWLEDGE_RETURN,), aliases=("notify",)),
    ActorSpec("alerts", (kinds.SEND_ALERT,), concurrency=2),
)
