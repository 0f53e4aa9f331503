"""Returns: ReBound events, anchoring to the order, validation, receipt, held returns, catch-up, reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backflow.app.core import messages as kinds
from backflow.app.core.declarations import ActorSpec, InboxHandler, JobDecl, OutboxHandler
from backflow.app.returns import (
    anchor_return,
    held_returns,
    intake,
    mark_returned,
    rebound_catchup,
    tracking_intake,
)

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {
    kinds.ANCHOR_RETURN: anchor_return.anchor_return,
    kinds.MARK_ITEMS_RETURNED: mark_returned.mark_items_returned,
}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {
    "rebound": intake.handle_rebound_event,
    intake.CATCHUP_SOURCE: intake.handle_rebound_event,
    # ReBound's published tracking updates, by HTTP or Pub/Sub push, and by SFTP: one mapping.
    tracking_intake.TRACKING_SOURCE: tracking_intake.handle_tracking_update,
    tracking_intake.SFTP_SOURCE: tracking_intake.handle_tracking_update,
}
JOBS: Sequence[JobDecl] = (
    JobDecl("rebound_catchup", "rebound_catchup_seconds", rebound_catchup.rebound_catchup),
    JobDecl("held_returns", "held_returns_seconds", held_returns.sweep_held_returns),
)
ACTORS: Sequence[ActorSpec] = (
    # Anchors each return to its order in commercetools and marks its received items returned there.
    ActorSpec(
        "return_anchoring",
        (kinds.ANCHOR_RETURN, kinds.MARK_ITEMS_RETURNED),
        aliases=("return_intake",),
    ),
)
