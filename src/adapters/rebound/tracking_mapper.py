"""The `TrackingMapper` port over the ReBound adapter's decoder and the configured status table."""

from __future__ import annotations

from backflow.adapters.rebound.tracking import (
    MalformedTrackingUpdate,
    TrackingUpdate,
    decode_tracking_update,
)
from backflow.adapters.rebound.tracking_snapshot import MappedUpdate, supersedes, to_snapshot
from backflow.domain.return_snapshot import ReturnSnapshot
from backflow.domain.tracking_statuses import StatusTable
from backflow.ports.tracking import MalformedTracking, TrackingMapped, TrackingRead, TrackingUnmapped


class ReboundTrackingMapper:
    def __init__(self, table: StatusTable) -> None:
        self.table = table

    def read(self, body: bytes) -> TrackingRead:
        update = _decode(body)
        return TrackingRead(
            return_id=update.rebound_order_id,
            client_order_id=update.client_order_id,
            status_description=update.status_description,
            timestamp=update.timestamp,
            dedupe_key=update.dedupe_key,
        )

    def map(self, body: bytes, known: ReturnSnapshot | None) -> TrackingMapped | TrackingUnmapped:
        result = to_snapshot(_decode(body), self.table, known)
        if isinstance(result, MappedUpdate):
            return TrackingMapped(snapshot=result.snapshot)
        return TrackingUnmapped(evidence=result.evidence())

    def supersedes(self, snapshot: ReturnSnapshot, known: ReturnSnapshot | None) -> bool:
        return supersedes(snapshot, known)


def _decode(body: bytes) -> TrackingUpdate:
    try:
        return decode_tracking_update(body)
    except MalformedTrackingUpdate as error:
        raise MalformedTracking(str(error)) from error
