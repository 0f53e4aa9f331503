"""Shared helpers for the ReBound tests: a settable clock, signed requests, orders as commercetools JSON."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import msgspec

from backflow.adapters.rebound import signature
from backflow.domain.order import Order, decode_order

SECRET = "whsec-test-current"
OLD_SECRET = "whsec-test-previous"


class WallClock:
    """The real time, offset on demand; what the webhook intake checks signatures against."""

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.offset, UTC)

    def monotonic(self) -> float:
        return time.monotonic()


def envelope(event_id: str = "01JQ8ZTEST000000000000000A", *, sequence: int = 1, **overrides: Any) -> bytes:
    body: dict[str, Any] = {
        "id": event_id,
        "type": "return_order.created",
        "createdAt": "2026-11-21T08:41:12.120Z",
        "apiVersion": "2026-01",
        "sequence": sequence,
        "data": {
            "order": {
                "returnId": "RB-7F3K2",
                "clientOrderId": "CT-100045",
                "status": "CREATED",
                "flow": "STANDARD",
                "timestamp": "2026-11-21T08:40:55Z",
            },
            "items": [
                {"reboundItemId": "(00)1", "clientItemId": "line-1", "sku": "TEE", "quantityExpected": 1}
            ],
        },
    }
    body.update(overrides)
    return msgspec.json.encode(body)


def signed_headers(
    body: bytes, secrets: tuple[str, ...] = (SECRET,), *, at: float | None = None, event_id: str | None = None
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        signature.SIGNATURE_HEADER: signature.sign(secrets, int(time.time() if at is None else at), body),
        "ReBound-Delivery-Attempt": "1",
    }
    if event_id is not None:
        headers["ReBound-Event-Id"] = event_id
    return headers


def money(cents: int, currency: str = "GBP") -> dict[str, Any]:
    return {"type": "centPrecision", "currencyCode": currency, "centAmount": cents, "fractionDigits": 2}


UK_VAT = {"name": "UK VAT", "amount": 0.2, "includedInPrice": True, "country": "GB"}


def line(line_id: str, sku: str, cents: int, quantity: int, **extra: Any) -> dict[str, Any]:
    """A line as commercetools returns it: `totalPrice` already reflects any cart discount."""
    discounted = extra.get("discountedPricePerQuantity") or []
    total = (
        sum(part["quantity"] * part["discountedPrice"]["value"]["centAmount"] for part in discounted)
        if discounted
        else cents * quantity
    )
    return {
        "id": line_id,
        "productId": f"product-{sku}",
        "variant": {"id": 1, "sku": sku},
        "price": {"value": money(cents)},
        "quantity": quantity,
        "totalPrice": money(total),
        "name": {"en": f"Product {sku}"},
        "taxRate": UK_VAT,
        **extra,
    }


def order(lines: list[dict[str, Any]], **extra: Any) -> Order:
    raw: dict[str, Any] = {
        "id": "ct-order-1",
        "version": 7,
        "orderNumber": "CT-100045",
        "createdAt": "2026-11-20T10:15:00.000Z",
        "lastModifiedAt": "2026-11-20T10:16:00.000Z",
        "totalPrice": money(sum(item["totalPrice"]["centAmount"] for item in lines)),
        "customerEmail": "ada@example.com",
        "store": {"typeId": "store", "key": "uk"},
        "shippingAddress": {
            "country": "GB",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "streetName": "Baker Street",
            "streetNumber": "221B",
            "postalCode": "NW1 6XE",
            "city": "London",
            "phone": "+44 20 7946 0000",
        },
        "lineItems": lines,
        **extra,
    }
    return decode_order(msgspec.json.encode(raw))
