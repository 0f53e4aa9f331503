"""Quarantine: an inbound event nobody could read is kept verbatim in the inbox and shown to a person
with its body, whichever capability (ReBound events, commercetools messages) failed to read it."""

from __future__ import annotations

import base64

from app.core.deps import Recorder
from app.core.problems import raise_problem
from ports.exceptions import Severity
from ports.inbox import InboundEvent


def raw_body(event: InboundEvent) -> dict[str, str]:
    try:
        return {"body_text": event.body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(event.body).decode("ascii")}


async def quarantine(event: InboundEvent, reason: str, store: Recorder) -> None:
    """An event nobody could read: kept verbatim in the inbox and shown to a person with its body."""
    async with store.unit_of_work() as uow:
        evidence = {
            "source": event.source,
            "source_id": event.source_id,
            "kind": event.kind,
            "reason": reason,
        }
        raise_problem(
            uow,
            store,
            "quarantined_event",
            dedupe_key=f"quarantined_event:{event.source}:{event.source_id}",
            severity=Severity.WARNING,
            evidence={**evidence, **raw_body(event)},
        )
        await uow.commit()
