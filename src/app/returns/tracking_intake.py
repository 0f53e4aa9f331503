"""Tracking updates as ReBound publishes them (HTTP, Pub/Sub or SFTP) move their return case.

The ReBound adapter reads the body (`TrackingMapper`); the case moves through the same path as a
catch-up snapshot (`intake.apply_incoming`): no sequence, so the newest `timestamp` wins and a repeat
or a late update changes nothing. The snapshot is rebuilt over the stored one inside the unit of
work, so receipt and grading (which tracking updates never carry) are kept. A `statusDescription`
the configured table does not know is raised for merchandising with the raw body and is done with:
it never blocks the inbox.
"""

from __future__ import annotations

from backflow.app.core.declarations import EventProcessed
from backflow.app.core.deps import StoreDeps
from backflow.app.core.notes import note
from backflow.app.core.problems import raise_exception
from backflow.app.core.quarantine import quarantine, raw_body
from backflow.app.returns.intake import Incoming, apply_incoming
from backflow.domain.return_snapshot import ReturnSnapshot
from backflow.ports.exceptions import Severity
from backflow.ports.inbox import StoredInboundEvent
from backflow.ports.tracking import MalformedTracking, TrackingMapped, TrackingMapper, TrackingRead

TRACKING_SOURCE = "rebound-tracking"
"""HTTP (`/webhooks/rebound/tracking`) and Pub/Sub push; the id is derived from the content."""
SFTP_SOURCE = "rebound-sftp"
"""Files from ReBound's SFTP drop folder; the id is the file name and its sha256."""
UNKNOWN_STATUS = "unknown_status"
EVENT_TYPE = "tracking update"


async def handle_tracking_update(
    stored: StoredInboundEvent, *, store: StoreDeps, tracking: TrackingMapper
) -> EventProcessed | None:
    event = stored.event
    with store.tracer.start_as_current_span(
        "intake.tracking_update", attributes={"inbox.source": event.source, "inbox.kind": event.kind}
    ):
        if event.quarantine_reason is not None:
            await quarantine(stored, event.quarantine_reason, store)
            return None
        try:
            read = tracking.read(event.body)
            first = tracking.map(event.body, None)
        except MalformedTracking as error:
            await quarantine(stored, f"not a tracking update: {error}"[:500], store)
            return None
        if not isinstance(first, TrackingMapped):
            await _raise_unmapped(stored, read, first.evidence, store)
            return None

        def remap(known: ReturnSnapshot | None) -> Incoming:
            mapped = tracking.map(event.body, known)
            # The table mapped this status a moment ago and is immutable: it maps it again.
            assert isinstance(mapped, TrackingMapped)
            return _incoming(event.source_id, mapped.snapshot)

        return await apply_incoming(
            _incoming(event.source_id, first.snapshot),
            stored,
            store,
            remap=remap,
            is_news=tracking.supersedes,
        )


def _incoming(event_id: str, snapshot: ReturnSnapshot) -> Incoming:
    return Incoming(event_id=event_id, event_type=EVENT_TYPE, sequence=None, snapshot=snapshot)


async def _raise_unmapped(
    stored: StoredInboundEvent, read: TrackingRead, evidence: dict[str, str], store: StoreDeps
) -> None:
    event = stored.event
    rid = read.return_id
    async with store.unit_of_work() as uow:
        note(
            uow,
            store,
            rid,
            source=event.source,
            action=f"event {EVENT_TYPE}",
            outcome="unmapped",
            detail={"event_id": event.source_id, "statusDescription": read.status_description},
            order_ref=read.client_order_id,
        )
        raise_exception(
            uow,
            store,
            UNKNOWN_STATUS,
            dedupe_key=f"{UNKNOWN_STATUS}:{rid}:statusDescription={read.status_description}",
            severity=Severity.WARNING,
            evidence={
                **evidence,
                "event_id": event.source_id,
                "source": event.source,
                "inbox_seq": str(stored.seq),
                **raw_body(event),
            },
            return_id=rid,
            order_ref=read.client_order_id,
        )
        await uow.commit()
