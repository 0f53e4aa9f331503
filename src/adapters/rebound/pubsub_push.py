"""ReBound notifications delivered by Google Pub/Sub push, wrapped or unwrapped (rebound-api.md §5).

The published data is either a tracking update as ReBound publishes it (`{"order", "items"}`) or an
event of Backflow's own contract (`{"id", "type", "sequence", "data"}`, §3). Each gets the inbox
source and id it would have on any other channel, so the same notification pushed and posted (or
pushed twice, with two Pub/Sub message ids) is stored once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import msgspec

from backflow.adapters.google.pubsub import InvalidPushEnvelope, PushMessage, parse_push
from backflow.adapters.rebound import tracking_snapshot
from backflow.adapters.rebound.tracking import MalformedTrackingUpdate, decode_tracking_update
from backflow.adapters.rebound.webhook import SOURCE as EVENT_SOURCE

_MAX_KEPT = 256
_MAX_ATTRIBUTES = 16


class InvalidReboundPush(ValueError):
    """Not a Pub/Sub push of a ReBound notification; the message says which part is wrong."""


class _Probe(msgspec.Struct):
    order: msgspec.Raw = msgspec.Raw(b"")
    id: Any = None
    type: Any = None


class _Event(msgspec.Struct):
    """Enough to know the data is a contract event; the full snapshot is decoded when processed."""

    id: Annotated[str, msgspec.Meta(min_length=1)]
    type: Annotated[str, msgspec.Meta(min_length=1)]
    createdAt: datetime  # ReBound's field names are camelCase
    sequence: int
    data: dict[str, Any]


_DECODE_PROBE = msgspec.json.Decoder(_Probe)
_DECODE_EVENT = msgspec.json.Decoder(_Event)


class ReboundPush(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    """`rebound` for a contract event (as the webhook stores it), `rebound-tracking` for a tracking update."""
    source_id: str
    """The event id, or the tracking update's content-derived dedupe key."""
    kind: str
    body: bytes
    """The published data, verbatim: what the processor decodes."""
    pubsub_message_id: str
    wrapped: bool
    headers: dict[str, str] = {}
    """Pub/Sub metadata and attributes worth keeping with the inbox row (bounded)."""


def parse_rebound_push(body: bytes, headers: Mapping[str, str]) -> ReboundPush:
    """`headers` are the request's (case-insensitive); `InvalidReboundPush` for anything else."""
    try:
        message = parse_push(body, headers)
    except InvalidPushEnvelope as error:
        raise InvalidReboundPush(f"not a Pub/Sub push envelope: {error}") from error
    kept = _kept(message)
    source, source_id, kind = _classify(message.data)
    return ReboundPush(
        source=source,
        source_id=source_id,
        kind=kind,
        body=message.data,
        pubsub_message_id=message.message_id,
        wrapped=message.wrapped,
        headers=kept,
    )


def _classify(data: bytes) -> tuple[str, str, str]:
    where = "the message data"
    try:
        probe = _DECODE_PROBE.decode(data)
    except msgspec.DecodeError as error:
        raise InvalidReboundPush(f"{where} is not a JSON object: {error}") from error
    if bytes(probe.order) not in (b"", b"null"):
        try:
            update = decode_tracking_update(data)
        except MalformedTrackingUpdate as error:
            raise InvalidReboundPush(f"{where} is not a tracking update: {error}") from error
        return tracking_snapshot.SOURCE, update.dedupe_key, tracking_snapshot.KIND
    if probe.id is not None or probe.type is not None:
        try:
            event = _DECODE_EVENT.decode(data)
        except msgspec.DecodeError as error:
            raise InvalidReboundPush(f"{where} is not a ReBound event: {error}") from error
        return EVENT_SOURCE, event.id, event.type
    raise InvalidReboundPush(f"{where} is neither a tracking update (no `order`) nor an event (no `id`)")


def _kept(message: PushMessage) -> dict[str, str]:
    kept = {"Pub/Sub-Message-Id": message.message_id, "Pub/Sub-Wrapped": str(message.wrapped).lower()}
    if message.publish_time:
        kept["Pub/Sub-Publish-Time"] = message.publish_time
    if message.subscription:
        kept["Pub/Sub-Subscription"] = message.subscription
    for name, value in sorted(message.attributes.items())[:_MAX_ATTRIBUTES]:
        kept[f"Pub/Sub-Attribute-{name[:64]}"] = value
    return {name: value[:_MAX_KEPT] for name, value in kept.items()}
