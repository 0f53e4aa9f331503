"""A tracking update as the return snapshot the rest of Backflow uses (`domain.return_snapshot`).

`reboundOrderId` is the return id; `statusDescription` becomes a status through the configured
`StatusTable`, and one with no mapping is a distinct result (kept raw for an exception), never an
error. A tracking update carries neither receipt nor grading nor a refund proposal nor the flow, so
what the stored snapshot already knows of those is kept: a milestone never erases a receipt.
Ordering is by `timestamp`, newest wins: `supersedes` is the comparison the intake makes.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from backflow.adapters.rebound.tracking import TrackingItem, TrackingUpdate, iso_micro
from backflow.domain.return_snapshot import ReturnItemSnapshot, ReturnOrderInfo, ReturnSnapshot
from backflow.domain.tracking_statuses import StatusTable

SOURCE = "rebound-tracking"
"""The inbox source of tracking updates; with `TrackingUpdate.dedupe_key` as the source id, the same
update arriving over HTTP, Pub/Sub or twice is stored once."""
KIND = "tracking_update"


class MappedUpdate(msgspec.Struct, frozen=True, kw_only=True):
    snapshot: ReturnSnapshot
    dedupe_key: str


class UnmappedStatus(msgspec.Struct, frozen=True, kw_only=True):
    """A `statusDescription` the table does not know: kept raw, to be raised for review."""

    return_id: str
    client_order_id: str
    status_description: str
    timestamp: datetime
    dedupe_key: str

    def evidence(self) -> dict[str, str]:
        return {
            "field": "statusDescription",
            "raw": self.status_description,
            "value": f"statusDescription={self.status_description}",
            "timestamp": iso_micro(self.timestamp),
            "client_order_id": self.client_order_id,
        }


def to_snapshot(
    update: TrackingUpdate, table: StatusTable, known: ReturnSnapshot | None = None
) -> MappedUpdate | UnmappedStatus:
    """The snapshot after `update`; `known` is the stored snapshot of the same return, if any."""
    status = table.status_of(update.status_description)
    if status is None:
        return UnmappedStatus(
            return_id=update.rebound_order_id,
            client_order_id=update.client_order_id,
            status_description=update.status_description,
            timestamp=update.timestamp,
            dedupe_key=update.dedupe_key,
        )
    if known is not None and known.return_id != update.rebound_order_id:
        raise ValueError(f"known snapshot is {known.return_id}, the update is {update.rebound_order_id}")
    order = ReturnOrderInfo(
        returnId=update.rebound_order_id,
        clientOrderId=update.client_order_id,
        status=status,
        timestamp=update.timestamp,
        flow=known.order.flow if known else None,
        reboundOrderId=update.rebound_order_id,
        statusDescription=update.status_description,
        location=update.location or (known.order.location if known else None),
        trackingNumber=update.tracking_number or (known.order.trackingNumber if known else None),
        exceptionReason=known.order.exceptionReason if known else None,
    )
    snapshot = ReturnSnapshot(
        order=order,
        items=_items(update.items, known),
        refund=known.refund if known else None,
    )
    return MappedUpdate(snapshot=snapshot, dedupe_key=update.dedupe_key)


def supersedes(snapshot: ReturnSnapshot, known: ReturnSnapshot | None) -> bool:
    """Whether `snapshot` is news: a later `timestamp`, or the same instant with another status (the
    domain's transition table then decides forward or backward). A repeat or a late update is not."""
    if known is None:
        return True
    if snapshot.order.timestamp != known.order.timestamp:
        return snapshot.order.timestamp > known.order.timestamp
    return snapshot.order.status != known.order.status


def _items(items: tuple[TrackingItem, ...], known: ReturnSnapshot | None) -> list[ReturnItemSnapshot]:
    previous = {item.reboundItemId: item for item in known.items} if known else {}
    if not items:
        return list(previous.values())  # a milestone without items changes none
    return [_item(item, previous.get(item.rebound_item_id)) for item in items]


def _item(item: TrackingItem, previous: ReturnItemSnapshot | None) -> ReturnItemSnapshot:
    value = item.commercial_value
    return ReturnItemSnapshot(
        reboundItemId=item.rebound_item_id,
        sku=item.sku,
        quantityExpected=item.quantity,
        clientItemId=item.client_item_id,
        quantityReceived=previous.quantityReceived if previous else None,
        reasonCode=item.reason_code or (previous.reasonCode if previous else None),
        customerComment=previous.customerComment if previous else None,
        condition=previous.condition if previous else None,
        disposition=previous.disposition if previous else None,
        commercialValue=value.to_decimal_string() if value is not None else None,
        commercialValueCurrency=value.currency if value is not None else None,
    )
