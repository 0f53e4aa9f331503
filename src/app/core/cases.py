"""Return cases as stored: the domain case, the latest ReBound snapshot and what Backflow noted."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backflow.app.core.deps import Recorder
from backflow.domain.return_case import CaseItem, ReturnCase
from backflow.domain.return_snapshot import ReturnItemSnapshot, ReturnSnapshot
from backflow.ports.return_cases import ReturnCaseRecord


class StoredCase(msgspec.Struct, frozen=True, kw_only=True):
    case: ReturnCase
    snapshot: ReturnSnapshot | None = None
    unmapped_reasons: dict[str, str] = {}
    """ReBound item id -> reason code with no mapping when written to commercetools (kept raw)."""


_DECODER = msgspec.json.Decoder(StoredCase)


def load(record: ReturnCaseRecord) -> StoredCase:
    return _DECODER.decode(record.snapshot)


async def read_case(store: Recorder, return_id: str) -> StoredCase | None:
    """The case as stored now, read in a unit of work of its own; None if there is no such return."""
    async with store.unit_of_work() as reads:
        record = await reads.returns.get(return_id)
    return None if record is None else load(record)


def to_record(stored: StoredCase, previous: ReturnCaseRecord | None, now: datetime) -> ReturnCaseRecord:
    """The record to add (previous None) or to update (carrying the version that was read)."""
    case = stored.case
    return ReturnCaseRecord(
        return_id=case.return_id,
        client_order_id=case.client_order_id,
        ct_order_id=case.order_id if case.order_id else (previous.ct_order_id if previous else None),
        state=case.position.value,
        last_sequence=case.last_sequence,
        snapshot=msgspec.json.encode(stored),
        version=previous.version if previous else 0,
        created_at=previous.created_at if previous else now,
        updated_at=now,
    )


def case_item(item: ReturnItemSnapshot) -> CaseItem:
    return CaseItem(
        rebound_item_id=item.reboundItemId,
        line_id=item.clientItemId or "",  # an unexpected item is on no line of the order
        sku=item.sku,
        quantity_expected=item.quantityExpected,
        quantity_received=item.quantityReceived or 0,
        disposition=item.disposition,
    )


def case_items(snapshot: ReturnSnapshot) -> tuple[CaseItem, ...]:
    return tuple(case_item(item) for item in snapshot.items)


def snapshot_item(stored: StoredCase, rebound_item_id: str) -> ReturnItemSnapshot | None:
    if stored.snapshot is None:
        return None
    return next((item for item in stored.snapshot.items if item.reboundItemId == rebound_item_id), None)
