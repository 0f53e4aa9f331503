"""What the intake endpoints refused, and events delivered twice with different bodies.

A refusal (bad signature, timestamp outside tolerance, body too large, a wrong push token, a body
that is not an envelope) is logged at warning with its reason, never with the secret or the
signature, and counted by source and reason for the admin overview (since the process started).

The same ReBound event id delivered again with a different body keeps the first body (the inbox
deduplicates by id) but is a conflict: a warning, a count, and a `event_conflict` exception holding
the sha256 of both bodies, for a person to review. A body stored by `backflow replay` (re-encoded
from ReBound's API, so never byte-identical to the signed webhook) is not compared.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from backflow.app.core.deps import StoreDeps
from backflow.app.core.problems import raise_exception
from backflow.app.entrypoints.http.views import IntakeView, RefusalCount
from backflow.ports.exceptions import Severity
from backflow.ports.inbox import InboundEvent, Inbox

log = logging.getLogger("backflow.app.intake")
CONFLICT = "event_conflict"


@dataclass
class IntakeAudit:
    store: StoreDeps
    inbox: Inbox
    refusals: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(source, reason) → how many requests were refused for it."""
    deliveries: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(source, outcome) → how many deliveries were accepted: `stored`, or `duplicate` (already held)."""
    conflicts: int = 0
    since: datetime = field(init=False)
    """When counting began (the process's start)."""

    def __post_init__(self) -> None:
        self.since = self.store.clock.now()

    def view(self) -> IntakeView:
        refused = [
            RefusalCount(source=source, reason=reason, count=count)
            for (source, reason), count in sorted(self.refusals.items())
        ]
        return IntakeView(since=self.since, refused=refused, conflicts=self.conflicts)

    def accepted(self, source: str, outcome: str) -> None:
        self.deliveries[(source, outcome)] += 1

    def refused(self, source: str, reason: str, *, peer: str | None = None) -> None:
        self.refusals[(source, reason)] += 1
        log.warning("inbound request refused", extra={"source": source, "reason": reason, "peer": peer})

    async def duplicate(self, event: InboundEvent) -> bool:
        """Called for a delivery whose id is already stored; True when its body differs (a conflict)."""
        stored = await self.inbox.get(event.source, event.source_id)
        if stored is None or stored.event.headers.get("replayed"):
            return False
        first, second = _sha256(stored.event.body), _sha256(event.body)
        if first == second:
            return False
        self.conflicts += 1
        evidence = {
            "source": event.source,
            "event_id": event.source_id,
            "kind": event.kind,
            "first_sha256": first,
            "first_received_at": stored.event.received_at.isoformat(),
            "second_sha256": second,
            "second_received_at": event.received_at.isoformat(),
            "kept": "first",
        }
        log.warning("event delivered again with a different body; the first is kept", extra=evidence)
        async with self.store.unit_of_work() as uow:
            raise_exception(
                uow,
                self.store,
                CONFLICT,
                dedupe_key=f"{CONFLICT}:{event.source}:{event.source_id}:{second}",
                severity=Severity.WARNING,
                evidence=evidence,
            )
            await uow.commit()
        return True


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
