"""The shared Pub/Sub push envelope: wrapped and unwrapped deliveries, and what is refused."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from backflow.adapters.google.pubsub import InvalidPushEnvelope, from_unwrapped, parse_push, parse_wrapped


def _wrapped(data: bytes, **message: object) -> bytes:
    body = {
        "message": {
            "data": base64.b64encode(data).decode(),
            "attributes": {"eventType": "tracking"},
            "messageId": "2070443601311540",
            "message_id": "2070443601311540",
            "publishTime": "2026-11-21T08:41:00.123Z",
            **message,
        },
        "subscription": "projects/shop/subscriptions/rebound-push",
    }
    return json.dumps(body).encode()


def test_a_wrapped_envelope_gives_the_data_and_its_metadata() -> None:
    pushed = parse_wrapped(_wrapped(b'{"order": {}}', orderingKey="RB-1"))
    assert pushed.data == b'{"order": {}}'
    assert pushed.wrapped
    assert pushed.message_id == "2070443601311540"
    assert pushed.attributes == {"eventType": "tracking"}
    assert pushed.publish_time == "2026-11-21T08:41:00.123Z"
    assert pushed.subscription == "projects/shop/subscriptions/rebound-push"
    assert pushed.ordering_key == "RB-1"


def test_snake_case_duplicates_alone_are_enough() -> None:
    body = {"message": {"data": "e30=", "message_id": "7", "publish_time": "2026-11-21T08:41:00Z"}}
    pushed = parse_wrapped(json.dumps(body).encode())
    assert (pushed.message_id, pushed.publish_time, pushed.subscription) == (
        "7",
        "2026-11-21T08:41:00Z",
        None,
    )


def test_an_unwrapped_delivery_is_the_body_with_metadata_from_headers() -> None:
    headers = CIMultiDict(
        {
            "X-Goog-Pubsub-Message-Id": "42",
            "x-goog-pubsub-publish-time": "2026-11-21T08:41:00Z",
            "x-goog-pubsub-subscription-name": "projects/shop/subscriptions/rebound-push",
            "eventType": "tracking",
        }
    )
    pushed = parse_push(b'{"order": {}}', headers)
    assert pushed == from_unwrapped(b'{"order": {}}', headers)
    assert not pushed.wrapped
    assert (pushed.data, pushed.message_id) == (b'{"order": {}}', "42")
    assert pushed.subscription == "projects/shop/subscriptions/rebound-push"
    assert pushed.attributes == {}  # attribute headers cannot be told from any other header


def test_without_write_metadata_an_unwrapped_delivery_has_no_message_id() -> None:
    assert parse_push(b"[1, 2]", CIMultiDict()).message_id == ""


def test_parse_push_tells_the_forms_apart_by_the_message_member() -> None:
    assert parse_push(_wrapped(b"{}"), CIMultiDict()).wrapped
    assert not parse_push(b'{"id": "01J", "type": "x"}', CIMultiDict()).wrapped
    assert not parse_push(b"not json", CIMultiDict()).wrapped
    with pytest.raises(InvalidPushEnvelope, match="base64"):
        parse_push(b'{"message": {"data": "***"}}', CIMultiDict())


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"not json", "JSON"),
        (b"{}", "missing required field `message`"),
        (b'{"message": "x"}', "Expected `object`"),
        (b'{"message": {"data": "%%%"}}', "`$.message.data` is not base64"),
        (b'{"message": {"data": 5}}', "Expected `str`"),
    ],
)
def test_a_broken_wrapped_envelope_says_what_is_wrong(body: bytes, why: str) -> None:
    with pytest.raises(InvalidPushEnvelope, match=re.escape(why)):
        parse_wrapped(body)


@given(st.binary(max_size=256))
def test_any_data_round_trips_through_the_wrapped_form(data: bytes) -> None:
    assert parse_wrapped(_wrapped(data)).data == data
