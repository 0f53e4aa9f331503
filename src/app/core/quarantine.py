"""Quarantine: an inbound event nobody could read, or that failed for good, is kept verbatim in the
inbox and shown to a person with its body, whoever gave up on it (the ReBound intake, the
commercetools messages, the inbox processor). One path: one dedupe key per exception type and event,
one evidence shape."""

from __future__ import annotations

import base64

from backflow.app.core.deps import Recorder
from backflow.app.core.evidence import json_value
from backflow.app.core.problems import raise_exception
from backflow.ports.exceptions import Severity
from backflow.ports.inbox import InboundEvent, StoredInboundEvent

BODY_LIMIT = 65536
"""How much of the body the `body` field shows as JSON (or text); `body_text`/`body_base64` keep all."""


def raw_body(event: InboundEvent) -> dict[str, str]:
    try:
        return {"body_text": event.body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(event.body).decode("ascii")}


def event_evidence(stored: StoredInboundEvent, reason: str) -> dict[str, object]:
    """Where the event is (inbox seq, source, id, kind), why it was given up, and its body: as JSON
    when it is JSON (`body`), and verbatim (`body_text`, or `body_base64` when not UTF-8)."""
    event = stored.event
    return {
        "inbox_seq": stored.seq,
        "source": event.source,
        "source_id": event.source_id,
        "kind": event.kind,
        "reason": reason,
        "body": json_value(event.body[:BODY_LIMIT]),
        **raw_body(event),
    }


def event_dedupe_key(exception_type: str, event: InboundEvent) -> str:
    """One open exception per type and event, however many times (or by whom) it is raised."""
    return f"{exception_type}:{event.source}:{event.source_id}"


async def quarantine(
    stored: StoredInboundEvent,
    reason: str,
    store: Recorder,
    *,
    exception_type: str = "quarantined_event",
    severity: Severity = Severity.WARNING,
) -> None:
    """Raise the event as an exception (`quarantined_event`, or `inbox_event_failed` when the inbox
    processor gives up on it), in a unit of work of its own."""
    async with store.unit_of_work() as uow:
        raise_exception(
            uow,
            store,
            exception_type,
            dedupe_key=event_dedupe_key(exception_type, stored.event),
            severity=severity,
            evidence=event_evidence(stored, reason),
        )
        await uow.commit()
