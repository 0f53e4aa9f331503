"""Pub/Sub push envelopes as Google sends them, carrying commercetools Platform and CloudEvents payloads."""

from __future__ import annotations

import base64
import json

import pytest

from backflow.adapters.commercetools.subscriptions import InvalidPush, parse_pubsub_push

MESSAGE = {
    "notificationType": "Message",
    "projectKey": "shop-prod",
    "id": "8b7f1c2e-5d4a-4f7e-9c1b-2a3d4e5f6a7b",
    "version": 1,
    "sequenceNumber": 1,
    "resource": {"typeId": "order", "id": "c1d2e3f4-0000-4000-8000-000000000001"},
    "resourceVersion": 1,
    "resourceUserProvidedIdentifiers": {"orderNumber": "100042"},
    "type": "OrderCreated",
    "order": {"id": "c1d2e3f4-0000-4000-8000-000000000001", "version": 1, "orderNumber": "100042"},
    "createdAt": "2026-11-29T10:15:30.123Z",
    "lastModifiedAt": "2026-11-29T10:15:30.123Z",
}


def _envelope(data: dict[str, object]) -> bytes:
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    return json.dumps(
        {
            "message": {
                "attributes": {"googclient_schemaencoding": "JSON"},
                "data": encoded,
                "messageId": "12345678901234",
                "message_id": "12345678901234",
                "publishTime": "2026-11-29T10:15:31.001Z",
                "publish_time": "2026-11-29T10:15:31.001Z",
            },
            "subscription": "projects/shop/subscriptions/backflow-push",
        }
    ).encode()


def test_platform_message() -> None:
    delivery = parse_pubsub_push(_envelope(MESSAGE))
    assert delivery.format == "Platform"
    assert delivery.pubsub_message_id == "12345678901234"
    assert delivery.message is not None
    assert delivery.message.id == MESSAGE["id"]
    assert (delivery.message.type, delivery.message.resource_type) == ("OrderCreated", "order")
    assert delivery.message.created_at == "2026-11-29T10:15:30.123Z"
    assert json.loads(delivery.message.body)["order"]["orderNumber"] == "100042"


def test_cloudevents_message() -> None:
    event = {
        "specversion": "1.0",
        "id": MESSAGE["id"],
        "type": "com.commercetools.order.message.OrderCreated",
        "source": "/shop-prod/orders",
        "subject": "c1d2e3f4-0000-4000-8000-000000000001",
        "time": "2026-11-29T10:15:30.123Z",
        "sequence": "1",
        "sequencetype": "Integer",
        "dataref": f"/shop-prod/messages/{MESSAGE['id']}",
        "data": MESSAGE,
    }
    delivery = parse_pubsub_push(_envelope(event))
    assert delivery.format == "CloudEvents"
    assert delivery.message is not None
    assert delivery.message.id == MESSAGE["id"]
    assert delivery.message.sequence_number == 1


def test_same_message_twice_has_the_same_dedupe_id() -> None:
    first = parse_pubsub_push(_envelope(MESSAGE))
    again = json.loads(_envelope(MESSAGE))
    again["message"]["messageId"] = again["message"]["message_id"] = "99999"
    second = parse_pubsub_push(json.dumps(again).encode())
    assert first.message is not None and second.message is not None
    assert first.message.id == second.message.id
    assert first.pubsub_message_id != second.pubsub_message_id


def test_change_notification_carries_no_message() -> None:
    created = {
        "notificationType": "ResourceCreated",
        "projectKey": "shop-prod",
        "resource": {"typeId": "subscription", "id": "a"},
        "version": 1,
        "modifiedAt": "2026-11-29T10:00:00.000Z",
    }
    delivery = parse_pubsub_push(_envelope(created))
    assert (delivery.notification_type, delivery.message) == ("ResourceCreated", None)


@pytest.mark.parametrize(
    "body",
    [b"not json", b'{"message": {"data": "***"}}', json.dumps({"message": {"data": "e30="}}).encode()],
)
def test_malformed_push_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidPush):
        parse_pubsub_push(body)
