"""The commercetools push parser, shaped for the app's intake endpoint."""

from __future__ import annotations

from backflow.adapters.commercetools.subscriptions import parse_pubsub_push
from backflow.app.entrypoints.http.intake import ParsedPush


def parse_push(body: bytes) -> ParsedPush:
    """Raises ValueError (the adapter's InvalidPush) when the body is not a push of a notification."""
    delivery = parse_pubsub_push(body)
    if delivery.message is not None:
        return ParsedPush(source_id=delivery.message.id, kind=delivery.message.type, body=delivery.payload)
    if not delivery.pubsub_message_id:
        raise ValueError(f"a {delivery.notification_type} notification without a Pub/Sub message id")
    # Change notifications carry no message id; the Pub/Sub id is the best key they have.
    return ParsedPush(
        source_id=f"pubsub:{delivery.pubsub_message_id}",
        kind=delivery.notification_type,
        body=delivery.payload,
    )
