"""Subscription deliveries arriving as Google Pub/Sub push requests, Platform or CloudEvents format.

The caller stores `message.id` (the commercetools message id) in its inbox, which deduplicates the
at-least-once deliveries; `pubsub_message_id` differs per publish and is no dedupe key.
"""

from __future__ import annotations

import msgspec

from backflow.adapters.commercetools.messages import message_from_json
from backflow.adapters.google.pubsub import InvalidPushEnvelope, parse_wrapped
from backflow.ports.commerce_types import CommerceMessage


class InvalidPush(ValueError):
    """The body is not a Pub/Sub push envelope carrying a commercetools notification."""


class _Probe(msgspec.Struct):
    specversion: str | None = None
    notificationType: str | None = None  # commercetools field names are camelCase
    data: msgspec.Raw = msgspec.Raw(b"")
    type: str | None = None


class PushDelivery(msgspec.Struct, frozen=True, kw_only=True):
    pubsub_message_id: str
    format: str
    """`Platform` or `CloudEvents`."""
    notification_type: str
    """`Message` for messages; `ResourceCreated`/`ResourceUpdated`/`ResourceDeleted` for change payloads."""
    message: CommerceMessage | None
    """The message (for `Message` notifications), its id being the dedupe key."""
    payload: bytes
    """The commercetools payload (Platform JSON) verbatim."""


_DECODE_PROBE = msgspec.json.Decoder(_Probe)


def parse_pubsub_push(body: bytes) -> PushDelivery:
    try:
        pushed = parse_wrapped(body)
    except InvalidPushEnvelope as error:
        raise InvalidPush(str(error)) from error
    data = pushed.data
    try:
        probe = _DECODE_PROBE.decode(data)
    except msgspec.DecodeError as error:
        raise InvalidPush(f"the push envelope's data is not JSON: {error}") from error
    pubsub_id = pushed.message_id
    fmt = "Platform"
    payload = data
    if probe.specversion is not None:
        # CloudEvents structured mode: the Platform payload sits in `data`.
        if not probe.data:
            raise InvalidPush("CloudEvent without data")
        fmt = "CloudEvents"
        payload = bytes(probe.data)
        probe = _DECODE_PROBE.decode(payload)
    notification = probe.notificationType or ("Message" if probe.type else "")
    if not notification:
        raise InvalidPush("payload has neither notificationType nor a message type")
    message = None
    if notification == "Message":
        try:
            message = message_from_json(payload)
        except msgspec.DecodeError as error:
            raise InvalidPush(f"message payload lacks id/type/resource/createdAt: {error}") from error
    return PushDelivery(
        pubsub_message_id=pubsub_id,
        format=fmt,
        notification_type=notification,
        message=message,
        payload=payload,
    )
