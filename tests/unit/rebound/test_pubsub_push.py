"""ReBound over Pub/Sub push: tracking updates and contract events, wrapped and unwrapped."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from backflow.adapters.rebound.pubsub_push import InvalidReboundPush, parse_rebound_push
from backflow.adapters.rebound.tracking import decode_tracking_update
from tests.rebound_support import envelope
from tests.tracking_support import tracking_body


def _wrapped(data: bytes, message_id: str = "11", attributes: dict[str, str] | None = None) -> bytes:
    message = {
        "data": base64.b64encode(data).decode(),
        "messageId": message_id,
        "publishTime": "2026-11-21T08:41:00.123Z",
        "attributes": attributes or {},
    }
    return json.dumps({"message": message, "subscription": "projects/p/subscriptions/rb"}).encode()


def test_a_wrapped_tracking_update_is_keyed_by_its_content() -> None:
    data = tracking_body("Delivered")
    push = parse_rebound_push(_wrapped(data, attributes={"retailer": "uk"}), CIMultiDict())
    assert (push.source, push.kind, push.body) == ("rebound-tracking", "tracking_update", data)
    assert push.source_id == decode_tracking_update(data).dedupe_key
    assert push.wrapped and push.pubsub_message_id == "11"
    assert push.headers == {
        "Pub/Sub-Message-Id": "11",
        "Pub/Sub-Wrapped": "true",
        "Pub/Sub-Publish-Time": "2026-11-21T08:41:00.123Z",
        "Pub/Sub-Subscription": "projects/p/subscriptions/rb",
        "Pub/Sub-Attribute-retailer": "uk",
    }


def test_an_unwrapped_tracking_update_has_the_same_key_as_the_wrapped_one() -> None:
    data = tracking_body()
    unwrapped = parse_rebound_push(data, CIMultiDict({"x-goog-pubsub-message-id": "12"}))
    wrapped = parse_rebound_push(_wrapped(data, message_id="99"), CIMultiDict())
    assert not unwrapped.wrapped
    assert (unwrapped.source, unwrapped.source_id) == (wrapped.source, wrapped.source_id)
    assert unwrapped.pubsub_message_id == "12"
    assert unwrapped.headers["Pub/Sub-Wrapped"] == "false"


def test_a_contract_event_gets_the_webhooks_source_and_id() -> None:
    data = envelope("01JQ8ZEVENT0000000000000001")
    for body in (data, _wrapped(data)):
        push = parse_rebound_push(body, CIMultiDict())
        assert (push.source, push.source_id) == ("rebound", "01JQ8ZEVENT0000000000000001")
        assert push.kind == "return_order.created"
        assert push.body == data


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"message": {"data": "***"}}', "not a Pub/Sub push envelope"),
        (_wrapped(b"not json"), "the message data is not a JSON object"),
        (_wrapped(b"[1]"), "the message data is not a JSON object"),
        (b"{}", "neither a tracking update (no `order`) nor an event (no `id`)"),
        (_wrapped(b'{"order": {"reboundOrderId": "(00)1"}}'), "not a tracking update: $.order"),
        (
            tracking_body(items=[{"reboundItemId": "1", "sku": "S", "quantity": "1.5"}]),
            "not a tracking update: $.items[0].quantity: not a whole number",
        ),
        (b'{"id": "01J", "type": "return_order.created"}', "not a ReBound event"),
        (b'{"id": "", "type": "x", "createdAt": "2026-11-21T08:41:12Z", "sequence": 1, "data": {}}', "event"),
    ],
)
def test_what_is_not_a_rebound_notification_is_refused_by_name(body: bytes, why: str) -> None:
    with pytest.raises(InvalidReboundPush) as refused:
        parse_rebound_push(body, CIMultiDict())
    assert why in str(refused.value)


def test_kept_metadata_is_bounded() -> None:
    attributes = {f"a{n:02d}": "v" * 1000 for n in range(40)}
    push = parse_rebound_push(_wrapped(tracking_body(), attributes=attributes), CIMultiDict())
    assert len([name for name in push.headers if name.startswith("Pub/Sub-Attribute-")]) == 16
    assert max(len(value) for value in push.headers.values()) <= 256


@given(st.binary(max_size=200))
def test_any_body_is_parsed_or_refused_never_a_crash(body: bytes) -> None:
    with contextlib.suppress(InvalidReboundPush):
        parse_rebound_push(body, CIMultiDict())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["order", "items", "id", "type", "data", "sequence"]), inner, max_size=4
        )
    ),
    max_leaves=10,
)


@given(_JSON, st.booleans())
def test_any_json_wrapped_or_not_is_parsed_or_refused(data: object, wrap: bool) -> None:
    raw = json.dumps(data).encode()
    try:
        push = parse_rebound_push(_wrapped(raw) if wrap else raw, CIMultiDict())
    except InvalidReboundPush:
        return
    assert push.body == raw and push.source_id
