"""Restock: graded items moved into the configured supply channels, each movement applied once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from backflow.app.core import messages as kinds
from backflow.app.core.declarations import ActorSpec, InboxHandler, JobDecl, OutboxHandler
from backflow.app.restock import restock

OUTBOX_HANDLERS: Mapping[str, OutboxHandler] = {kinds.RESTOCK_ITEMS: restock.restock_items}
INBOX_HANDLERS: Mapping[str, InboxHandler] = {}
JOBS: Sequence[JobDecl] = ()
ACTORS: Sequence[ActorSpec] = (ActorSpec("restock", (kinds.RESTOCK_ITEMS,)),)
