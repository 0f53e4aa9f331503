"""ReBound tracking updates as ReBound publishes them, for the tracking, push and SFTP tests."""

from __future__ import annotations

from typing import Any

import msgspec

RETURN_ID = "(00)687000000000088888"


def tracking_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "reboundItemId": "(00)987000000000012345",
        "clientItemId": "line-1",
        "ean": "5012345678900",
        "sku": "TEE-M-BLK",
        "reasonCode": "Too large",
        "articleDescription": "T-shirt, black, M",
        "commercialValue": "35.00",
        "commercialValueCurrency": "GBP",
        "quantity": "1",
    }
    item.update(overrides)
    return item


def tracking_update(
    status: str = "postalIncoming",
    timestamp: str = "2026-11-21T08:40:55.123456Z",
    *,
    return_id: str = RETURN_ID,
    items: list[dict[str, Any]] | None = None,
    **order: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "order": {
            "clientOrderId": "CT-100045",
            "reboundOrderId": return_id,
            "location": "GB_HUB_TELFORD",
            "trackingNumber": "ZZ123456789GB",
            "statusDescription": status,
            "timestamp": timestamp,
            **order,
        },
        "items": [tracking_item()] if items is None else items,
    }
    return body


def tracking_body(
    status: str = "postalIncoming", timestamp: str = "2026-11-21T08:40:55.123456Z", **kw: Any
) -> bytes:
    return msgspec.json.encode(tracking_update(status, timestamp, **kw))
