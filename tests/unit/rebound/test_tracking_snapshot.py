"""Tracking updates as return snapshots: the status table, unmapped statuses, merging, newest wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.adapters.rebound.tracking import decode_tracking_update
from backflow.adapters.rebound.tracking_snapshot import MappedUpdate, UnmappedStatus, supersedes, to_snapshot
from backflow.domain.return_snapshot import ReturnSnapshot, decode_return_snapshot
from backflow.domain.tracking_statuses import DEFAULT_TRACKING_STATUSES, StatusTable, StatusTableError
from tests.tracking_support import RETURN_ID, tracking_body, tracking_item

TABLE = StatusTable()


def _mapped(body: bytes, table: StatusTable = TABLE, known: ReturnSnapshot | None = None) -> ReturnSnapshot:
    result = to_snapshot(decode_tracking_update(body), table, known)
    assert isinstance(result, MappedUpdate)
    return result.snapshot


@pytest.mark.parametrize(
    ("description", "status"),
    [
        ("Return Order Created", "CREATED"),
        ("returnOrderCreated", "CREATED"),
        ("Entered Our Network", "IN_TRANSIT"),
        ("postalIncoming", "IN_TRANSIT"),
        ("POSTAL_INCOMING", "IN_TRANSIT"),
        ("Arrived at Our Hub", "AT_HUB"),
        ("arrived-at-our-hub", "AT_HUB"),
        ("Delivered", "DELIVERED"),
        ("hubReceived", "AT_HUB"),
    ],
)
def test_the_default_table_covers_the_published_milestones(description: str, status: str) -> None:
    assert TABLE.status_of(description) == status
    assert _mapped(tracking_body(description)).order.status == status


def test_every_default_key_maps_to_a_tracking_status() -> None:
    assert {TABLE.status_of(key) for key in DEFAULT_TRACKING_STATUSES} == {
        "CREATED",
        "IN_TRANSIT",
        "AT_HUB",
        "DELIVERED",
    }


def test_a_configured_table_adds_to_and_overrides_the_defaults() -> None:
    table = StatusTable({"parcelScanned": "IN_TRANSIT", "delivered": "AT_HUB"})
    assert table.status_of("Parcel scanned") == "IN_TRANSIT"
    assert table.status_of("Delivered") == "AT_HUB"
    assert table.status_of("postalIncoming") == "IN_TRANSIT"


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ({"hubProcessed": "GRADED"}, "'hubProcessed' maps to 'GRADED'"),
        ({"x": "in_transit"}, "must be one of AT_HUB, CANCELLED, CREATED, DELIVERED, IN_TRANSIT"),
        ({"--": "CREATED"}, "no letters or digits"),
        ({"Parcel Scanned": "IN_TRANSIT", "parcel_scanned": "AT_HUB"}, "are the same description"),
    ],
)
def test_a_bad_table_is_refused_with_the_key(configured: dict[str, str], message: str) -> None:
    with pytest.raises(StatusTableError, match=message):
        StatusTable(configured)


def test_an_unmapped_status_is_a_distinct_result_kept_raw() -> None:
    result = to_snapshot(decode_tracking_update(tracking_body("parcelLostInSpace")), TABLE)
    assert isinstance(result, UnmappedStatus)
    assert result.return_id == RETURN_ID
    assert result.status_description == "parcelLostInSpace"
    assert result.dedupe_key == decode_tracking_update(tracking_body("parcelLostInSpace")).dedupe_key
    assert result.evidence()["value"] == "statusDescription=parcelLostInSpace"


def test_the_snapshot_is_the_one_backflow_uses_and_round_trips() -> None:
    snapshot = _mapped(tracking_body("Arrived at Our Hub", items=[tracking_item(quantity="3")]))
    assert snapshot.return_id == RETURN_ID
    assert snapshot.order.reboundOrderId == RETURN_ID
    assert snapshot.order.clientOrderId == "CT-100045"
    assert snapshot.order.statusDescription == "Arrived at Our Hub"
    assert snapshot.order.flow is None  # tracking updates do not say
    assert snapshot.unknown_values() == []
    (item,) = snapshot.items
    assert (item.quantityExpected, item.quantityReceived, item.clientItemId) == (3, None, "line-1")
    assert item.commercialValue == "35.00" and item.commercialValueCurrency == "GBP"
    assert decode_return_snapshot(msgspec.json.encode(snapshot)) == snapshot


def test_what_tracking_does_not_carry_is_kept_from_the_known_snapshot() -> None:
    known = decode_return_snapshot(
        msgspec.json.encode(
            {
                "order": {
                    "returnId": RETURN_ID,
                    "clientOrderId": "CT-100045",
                    "status": "IN_TRANSIT",
                    "flow": "DTR",
                    "timestamp": "2026-11-20T08:00:00Z",
                    "location": "GB_HUB_TELFORD",
                },
                "items": [
                    {
                        "reboundItemId": "(00)987000000000012345",
                        "sku": "TEE-M-BLK",
                        "quantityExpected": 1,
                        "quantityReceived": 1,
                        "condition": "A",
                        "disposition": "SELLABLE",
                        "customerComment": "fits badly",
                    }
                ],
                "refund": {
                    "milestone": "DROP_OFF",
                    "outcome": "ORIGINAL_PAYMENT",
                    "totalAmount": "35.00",
                    "currency": "GBP",
                },
            }
        )
    )
    body = tracking_body("Delivered", "2026-11-21T08:00:00.5Z", location=None, trackingNumber="")
    snapshot = _mapped(body, known=known)
    assert snapshot.order.status == "DELIVERED"
    assert snapshot.order.flow == "DTR"
    assert snapshot.order.location == "GB_HUB_TELFORD"
    assert snapshot.refund == known.refund
    (item,) = snapshot.items
    assert (item.quantityReceived, item.condition, item.disposition) == (1, "A", "SELLABLE")
    assert item.customerComment == "fits badly"
    assert _mapped(tracking_body("Delivered", items=[]), known=known).items == known.items


def test_a_known_snapshot_of_another_return_is_a_bug_not_a_merge() -> None:
    other = _mapped(tracking_body(return_id="(00)other"))
    with pytest.raises(ValueError, match="known snapshot"):
        to_snapshot(decode_tracking_update(tracking_body()), TABLE, other)


_MILESTONES = ["Return Order Created", "postalIncoming", "Arrived at Our Hub", "Delivered"]


def test_newest_timestamp_wins_and_a_repeat_or_late_update_is_no_news() -> None:
    early = _mapped(tracking_body("postalIncoming", "2026-11-21T08:00:00.000001Z"))
    late = _mapped(tracking_body("Delivered", "2026-11-22T08:00:00Z"))
    assert supersedes(early, None)
    assert supersedes(late, early)
    assert not supersedes(early, late)
    assert not supersedes(early, early)
    tie = _mapped(tracking_body("Arrived at Our Hub", "2026-11-21T08:00:00.000001Z"))
    assert supersedes(tie, early)  # same instant, another status: the domain's table decides


@given(st.permutations(list(range(len(_MILESTONES)))), st.lists(st.integers(0, 3), max_size=4))
def test_any_arrival_order_with_duplicates_ends_at_the_newest(order: list[int], repeats: list[int]) -> None:
    start = datetime(2026, 11, 21, 8, 0, 0, 1, tzinfo=UTC)
    bodies = [
        tracking_body(_MILESTONES[i], (start + timedelta(hours=i, microseconds=i)).isoformat())
        for i in range(len(_MILESTONES))
    ]
    known: ReturnSnapshot | None = None
    applied = 0
    for index in [*order, *repeats]:
        candidate = _mapped(bodies[index], known=known)
        if supersedes(candidate, known):
            known, applied = candidate, applied + 1
    assert known is not None
    assert known.order.status == "DELIVERED"
    assert applied <= len(_MILESTONES)
