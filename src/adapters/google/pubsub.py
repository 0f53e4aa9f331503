"""Google Pub/Sub push deliveries, whatever they carry: the wrapped envelope and unwrapped payloads.

Wrapped (the default): `{"message": {"data": <base64>, "attributes", "messageId", "publishTime"},
"subscription"}`. Unwrapped ("payload unwrapping"): the message data is the body itself; with
"write metadata" the message id, publish time and subscription arrive as `x-goog-pubsub-*` headers
and each attribute as a header of its own name, indistinguishable from any other header, so only
the `x-goog-pubsub-*` metadata is read. The publisher-side payload is for the caller to parse.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import msgspec

MESSAGE_ID_HEADER = "x-goog-pubsub-message-id"
PUBLISH_TIME_HEADER = "x-goog-pubsub-publish-time"
SUBSCRIPTION_HEADER = "x-goog-pubsub-subscription-name"
ORDERING_KEY_HEADER = "x-goog-pubsub-ordering-key"
_MAX_METADATA = 256  # header values kept, bounded


class InvalidPushEnvelope(ValueError):
    """The body is not a Pub/Sub push envelope (wrapped), or its `data` is not base64."""


class _Message(msgspec.Struct):
    data: str = ""
    attributes: dict[str, str] = {}
    messageId: str | None = None  # Pub/Sub sends camelCase and snake_case duplicates
    message_id: str | None = None
    publishTime: str | None = None
    publish_time: str | None = None
    orderingKey: str | None = None


class _Envelope(msgspec.Struct):
    message: _Message
    subscription: str = ""


class _Probe(msgspec.Struct):
    message: msgspec.Raw = msgspec.Raw(b"")


_DECODE_ENVELOPE = msgspec.json.Decoder(_Envelope)
_DECODE_PROBE = msgspec.json.Decoder(_Probe)


class PushMessage(msgspec.Struct, frozen=True, kw_only=True):
    data: bytes
    """The published message data, decoded: what the publisher sent."""
    message_id: str
    """Pub/Sub's id; differs per publish of the same content, so no dedupe key for the payload's own."""
    wrapped: bool
    attributes: dict[str, str] = {}
    publish_time: str | None = None
    subscription: str | None = None
    ordering_key: str | None = None


def parse_wrapped(body: bytes) -> PushMessage:
    """The wrapped envelope; `InvalidPushEnvelope` when it is not one."""
    try:
        envelope = _DECODE_ENVELOPE.decode(body)
    except msgspec.DecodeError as error:
        raise InvalidPushEnvelope(str(error)) from error  # msgspec names the field
    message = envelope.message
    try:
        data = base64.b64decode(message.data, validate=True)
    except binascii.Error as error:
        raise InvalidPushEnvelope(f"`$.message.data` is not base64: {error}") from error
    return PushMessage(
        data=data,
        message_id=message.messageId or message.message_id or "",
        wrapped=True,
        attributes=message.attributes,
        publish_time=message.publishTime or message.publish_time,
        subscription=envelope.subscription or None,
        ordering_key=message.orderingKey or None,
    )


def from_unwrapped(body: bytes, headers: Mapping[str, str]) -> PushMessage:
    """An unwrapped delivery: the body is the data; `headers` looked up case-insensitively."""

    def header(name: str) -> str | None:
        value = headers.get(name)
        return value[:_MAX_METADATA] if value else None

    return PushMessage(
        data=body,
        message_id=header(MESSAGE_ID_HEADER) or "",
        wrapped=False,
        publish_time=header(PUBLISH_TIME_HEADER),
        subscription=header(SUBSCRIPTION_HEADER),
        ordering_key=header(ORDERING_KEY_HEADER),
    )


def parse_push(body: bytes, headers: Mapping[str, str]) -> PushMessage:
    """Either form: a JSON object with a `message` member is the wrapped envelope (and must be a
    valid one); anything else is an unwrapped payload, for the caller's own parser to judge."""
    if _has_message_member(body):
        return parse_wrapped(body)
    return from_unwrapped(body, headers)


def _has_message_member(body: bytes) -> bool:
    try:
        member = bytes(_DECODE_PROBE.decode(body).message)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return member not in (b"", b"null")
