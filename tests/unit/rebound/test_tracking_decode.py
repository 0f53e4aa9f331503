"""ReBound's published tracking-update body: decoded exactly, refused with the field and the reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.adapters.rebound.tracking import (
    MalformedTrackingUpdate,
    decode_tracking_update,
    parse_quantity,
)
from backflow.domain.money import Money
from tests.tracking_support import RETURN_ID, tracking_body, tracking_item, tracking_update


def test_the_published_body_decodes_with_exact_numbers() -> None:
    update = decode_tracking_update(
        tracking_body(items=[tracking_item(quantity="2", commercialValue="35.10")])
    )
    assert update.rebound_order_id == RETURN_ID
    assert update.client_order_id == "CT-100045"
    assert update.status_description == "postalIncoming"
    assert update.timestamp == datetime(2026, 11, 21, 8, 40, 55, 123456, tzinfo=UTC)
    assert update.location == "GB_HUB_TELFORD"
    assert update.tracking_number == "ZZ123456789GB"
    (item,) = update.items
    assert item.quantity == 2
    assert item.commercial_value == Money(3510, "GBP", 2)
    assert (item.ean, item.sku, item.client_item_id) == ("5012345678900", "TEE-M-BLK", "line-1")
    assert (item.reason_code, item.article_description) == ("Too large", "T-shirt, black, M")


def test_optional_fields_may_be_absent_or_empty() -> None:
    item = {"reboundItemId": "(00)1", "sku": "TEE", "quantity": "1", "commercialValue": "", "ean": ""}
    body = tracking_update(items=[item])
    del body["order"]["location"], body["order"]["trackingNumber"]
    update = decode_tracking_update(msgspec.json.encode(body))
    assert update.location is None and update.tracking_number is None
    assert update.items[0].commercial_value is None
    assert update.items[0].ean is None and update.items[0].client_item_id is None


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("2026-11-21T08:40:55.123456Z", datetime(2026, 11, 21, 8, 40, 55, 123456, tzinfo=UTC)),
        ("2026-11-21T08:40:55.123456+00:00", datetime(2026, 11, 21, 8, 40, 55, 123456, tzinfo=UTC)),
        ("2026-11-21T09:40:55.123456+01:00", datetime(2026, 11, 21, 8, 40, 55, 123456, tzinfo=UTC)),
        ("2026-11-21T08:40:55.123456", datetime(2026, 11, 21, 8, 40, 55, 123456, tzinfo=UTC)),  # UTC
        ("2026-11-21T08:40:55Z", datetime(2026, 11, 21, 8, 40, 55, tzinfo=UTC)),
    ],
)
def test_timestamps_become_utc_and_one_instant_has_one_dedupe_key(spelling: str, expected: datetime) -> None:
    update = decode_tracking_update(tracking_body(timestamp=spelling))
    assert update.timestamp == expected
    assert update.timestamp.utcoffset() == timedelta(0)
    assert (
        update.dedupe_key
        == msgspec.json.encode(
            [RETURN_ID, "postalIncoming", expected.strftime("%Y-%m-%dT%H:%M:%S.%fZ")]
        ).decode()
    )


def test_the_dedupe_key_is_return_status_and_timestamp() -> None:
    base = decode_tracking_update(tracking_body()).dedupe_key
    assert decode_tracking_update(tracking_body(items=[])).dedupe_key == base  # items do not count
    assert decode_tracking_update(tracking_body("Delivered")).dedupe_key != base
    assert decode_tracking_update(tracking_body(timestamp="2026-11-21T08:40:55.123457Z")).dedupe_key != base
    assert decode_tracking_update(tracking_body(return_id="(00)2")).dedupe_key != base


def _body_with(path: str, value: object) -> bytes:
    body = tracking_update()
    target: dict[str, object] = body["order"] if path.startswith("order.") else body["items"][0]
    key = path.split(".", 1)[1]
    if value is _DELETE:
        del target[key]
    else:
        target[key] = value
    return msgspec.json.encode(body)


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "why"),
    [
        ("order.reboundOrderId", _DELETE, "$.order", "missing required field `reboundOrderId`"),
        ("order.reboundOrderId", "", "$.order.reboundOrderId", "length >= 1"),
        ("order.clientOrderId", 45, "$.order.clientOrderId", "Expected `str`, got `int`"),
        ("order.statusDescription", _DELETE, "$.order", "`statusDescription`"),
        ("order.timestamp", "yesterday", "$.order.timestamp", "not an ISO-8601 time"),
        ("order.timestamp", 1732178455, "$.order.timestamp", "Expected `str`, got `int`"),
        ("items.quantity", "1.5", "$.items[0].quantity", "not a whole number"),
        ("items.quantity", "-1", "$.items[0].quantity", "not a whole number"),
        ("items.quantity", "one", "$.items[0].quantity", "not a whole number"),
        ("items.quantity", 1.0, "$.items[0].quantity", "got `float`"),
        ("items.commercialValue", 35.1, "$.items[0].commercialValue", "got `float`"),
        ("items.commercialValue", "35,10", "$.items[0].commercialValue", "not a decimal amount"),
        ("items.commercialValue", "-5.00", "$.items[0].commercialValue", "cannot be negative"),
        ("items.commercialValueCurrency", _DELETE, "$.items[0].commercialValueCurrency", "required"),
        ("items.commercialValueCurrency", "pounds", "$.items[0].commercialValueCurrency", "ISO 4217"),
        ("items.reboundItemId", _DELETE, "$.items[0]", "`reboundItemId`"),
        ("items.sku", "", "$.items[0].sku", "length >= 1"),
    ],
)
def test_a_malformed_body_names_the_field_and_why(path: str, value: object, field: str, why: str) -> None:
    with pytest.raises(MalformedTrackingUpdate) as refused:
        decode_tracking_update(_body_with(path, value))
    assert refused.value.path == field
    assert why in refused.value.why
    assert str(refused.value).startswith(f"{field}: ")


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"id": "01J", "type": "x"}', b'{"order": []}'])
def test_a_body_that_is_not_a_tracking_update_is_refused(body: bytes) -> None:
    with pytest.raises(MalformedTrackingUpdate):
        decode_tracking_update(body)


@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from(["", ".0", ".00", ".000"]))
def test_whole_quantities_parse_exactly_in_every_spelling(quantity: int, fraction: str) -> None:
    assert parse_quantity(f"{quantity}{fraction}", "$.q") == quantity
    assert parse_quantity(f" {quantity} ", "$.q") == quantity


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=99))
def test_a_fractional_quantity_is_refused(whole: int, tenths: int) -> None:
    with pytest.raises(MalformedTrackingUpdate):
        parse_quantity(f"{whole}.{tenths:02d}", "$.q")


@given(
    st.integers(min_value=0, max_value=10**15),
    st.sampled_from([("GBP", 2), ("JPY", 0), ("KWD", 3), ("EUR", 2)]),
)
def test_commercial_values_are_exact_minor_units(minor: int, currency: tuple[str, int]) -> None:
    code, digits = currency
    text = str(minor) if digits == 0 else f"{minor // 10**digits}.{minor % 10**digits:0{digits}d}"
    item = tracking_item(commercialValue=text, commercialValueCurrency=code)
    update = decode_tracking_update(tracking_body(items=[item]))
    assert update.items[0].commercial_value == Money(minor, code, digits)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["order", "items", "id"]), _JSON, max_size=3))
def test_any_json_is_decoded_or_refused_by_name_never_a_crash(data: dict[str, object]) -> None:
    try:
        decode_tracking_update(msgspec.json.encode(data))
    except MalformedTrackingUpdate as refused:
        assert refused.path.startswith("$")


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_any_offset_names_the_same_instant(moment: datetime, offset_minutes: int) -> None:
    utc = moment.replace(tzinfo=UTC)
    local = utc.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert decode_tracking_update(tracking_body(timestamp=local.isoformat())).timestamp == utc
    a = decode_tracking_update(tracking_body(timestamp=local.isoformat())).dedupe_key
    assert a == decode_tracking_update(tracking_body(timestamp=utc.isoformat())).dedupe_key
