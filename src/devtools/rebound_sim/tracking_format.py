"""A return's milestone as ReBound publishes it (rebound-api.md §5): no envelope, no event id, no
sequence; `{"order": {...}, "items": [...]}` with `quantity` and `commercialValue` as strings.

Only the milestones a tracking update carries are published (created, in transit, at the hub,
delivered, under ReBound's own milestone names); registration, grading and refunds reach the
retailer by the contract's events only.
"""

from __future__ import annotations

import base64
from datetime import UTC
from typing import Any

import msgspec

from backflow.adapters.rebound import signature
from backflow.devtools.rebound_sim.state import SimReturn

_ENCODER = msgspec.json.Encoder()
PUBLISHED_MILESTONES: dict[str, str] = {
    "CREATED": "Return Order Created",
    "IN_TRANSIT": "Entered Our Network",
    "AT_HUB": "Arrived at Our Hub",
    "DELIVERED": "Delivered",
}


def tracking_update(ret: SimReturn) -> bytes | None:
    """The update for the return's current milestone; None when ReBound publishes none for it."""
    description = PUBLISHED_MILESTONES.get(ret.status)
    if description is None:
        return None
    order: dict[str, Any] = {
        "clientOrderId": ret.client_order_id,
        "reboundOrderId": ret.rebound_order_id,
        "location": ret.location or "",
        "trackingNumber": ret.tracking_number or "",
        "statusDescription": description,
        # ReBound's spelling: UTC with microseconds and `Z`.
        "timestamp": ret.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    items = [
        {
            "reboundItemId": item.rebound_item_id,
            "clientItemId": item.client_item_id or "",
            "sku": item.sku,
            "reasonCode": item.reason_code or "",
            "commercialValue": item.unit_price or "",
            "commercialValueCurrency": item.currency if item.unit_price else "",
            "quantity": str(item.quantity_expected),
        }
        for item in ret.items
    ]
    return _ENCODER.encode({"order": order, "items": items})


def auth_headers(scheme: str, secret: str, body: bytes, now: int) -> dict[str, str]:
    """The credentials of `REBOUND_WEBHOOK_AUTH`'s schemes: `hmac`, `header:<Name>` or `basic`
    (`secret` is then `user:password`). A ValueError names an unknown scheme."""
    if scheme == "hmac":
        return {signature.SIGNATURE_HEADER: signature.sign((secret,), now, body)}
    if scheme.startswith("header:") and scheme[len("header:") :].strip():
        return {scheme[len("header:") :].strip(): secret}
    if scheme == "basic":
        return {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    raise ValueError(f"tracking_auth must be hmac, header:<Header-Name> or basic, not {scheme[:64]!r}")


def pubsub_envelope(data: bytes, message_id: str, publish_time: str) -> bytes:
    """What a Pub/Sub push subscription (wrapped) posts for one published message."""
    message = {
        "data": base64.b64encode(data).decode(),
        "messageId": message_id,
        "publishTime": publish_time,
        "attributes": {"source": "rebound-sim"},
    }
    return _ENCODER.encode(
        {"message": message, "subscription": "projects/rebound-sim/subscriptions/backflow"}
    )
