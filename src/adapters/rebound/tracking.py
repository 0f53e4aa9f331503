"""ReBound's published tracking-update body, decoded exactly (rebound-api.md §5).

No envelope, no event id, no sequence: `{"order": {...}, "items": [...]}`. `quantity` and
`commercialValue` are strings, parsed exactly (an integer, and `Money` in exact minor units; a float
never appears). `timestamp` is ISO-8601 UTC with microseconds; one without an offset is read as UTC,
as ReBound documents it. Every refusal names the field (`$.items[0].quantity`) and why.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import msgspec

from backflow.domain.currencies import is_currency_code
from backflow.domain.errors import DomainError
from backflow.domain.money import Money

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
_QUANTITY = re.compile(r"^(\d{1,9})(?:\.0+)?$")  # "2" or "2.00": exact whole numbers only


class MalformedTrackingUpdate(ValueError):
    """The body is not a tracking update; `path` is the field (`$.order.timestamp`), `why` the reason."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path
        self.why = why


class _WireItem(msgspec.Struct):
    reboundItemId: NonEmpty  # ReBound's field names are camelCase
    sku: NonEmpty
    quantity: str | int
    clientItemId: str | None = None
    ean: str | None = None
    reasonCode: str | None = None
    articleDescription: str | None = None
    commercialValue: str | None = None
    commercialValueCurrency: str | None = None


class _WireOrder(msgspec.Struct):
    reboundOrderId: NonEmpty
    clientOrderId: NonEmpty
    statusDescription: NonEmpty
    timestamp: str  # parsed here, for a clear message and the documented UTC reading
    location: str | None = None
    trackingNumber: str | None = None


class _WireUpdate(msgspec.Struct):
    order: _WireOrder
    items: list[_WireItem] = []


_DECODER = msgspec.json.Decoder(_WireUpdate)


class TrackingItem(msgspec.Struct, frozen=True, kw_only=True):
    rebound_item_id: str
    sku: str
    quantity: int
    client_item_id: str | None = None
    """The commercetools line item id; absent for an item that was not on the order."""
    ean: str | None = None
    reason_code: str | None = None
    article_description: str | None = None
    commercial_value: Money | None = None


class TrackingUpdate(msgspec.Struct, frozen=True, kw_only=True):
    rebound_order_id: str
    """Identifies the return (GS1 style, "(00)…")."""
    client_order_id: str
    status_description: str
    """Kept raw: the mapping to a status is configuration, applied later."""
    timestamp: datetime
    """Aware, UTC."""
    location: str | None = None
    tracking_number: str | None = None
    items: tuple[TrackingItem, ...] = ()

    @property
    def dedupe_key(self) -> str:
        """Derived from the content (return, raw status, timestamp): the same update on any channel,
        or delivered twice, has the same key. A JSON array, so no separator can be ambiguous."""
        parts = [self.rebound_order_id, self.status_description, iso_micro(self.timestamp)]
        return msgspec.json.encode(parts).decode()


def decode_tracking_update(body: bytes | str) -> TrackingUpdate:
    """The update, or `MalformedTrackingUpdate` naming the first field that is wrong."""
    try:
        wire = _DECODER.decode(body)
    except msgspec.ValidationError as error:
        raise _from_msgspec(error) from error
    except msgspec.DecodeError as error:
        raise MalformedTrackingUpdate("$", f"not JSON: {error}") from error
    return TrackingUpdate(
        rebound_order_id=wire.order.reboundOrderId,
        client_order_id=wire.order.clientOrderId,
        status_description=wire.order.statusDescription,
        timestamp=parse_timestamp(wire.order.timestamp, "$.order.timestamp"),
        location=wire.order.location or None,
        tracking_number=wire.order.trackingNumber or None,
        items=tuple(_item(item, f"$.items[{index}]") for index, item in enumerate(wire.items)),
    )


def parse_timestamp(text: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MalformedTrackingUpdate(path, f"not an ISO-8601 time: {text[:64]!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_quantity(value: str | int, path: str) -> int:
    if isinstance(value, int):
        quantity = value
    else:
        match = _QUANTITY.match(value.strip())
        if match is None:
            raise MalformedTrackingUpdate(path, f"not a whole number: {value[:32]!r}")
        quantity = int(match.group(1))
    if quantity < 0:
        raise MalformedTrackingUpdate(path, f"a quantity cannot be negative: {quantity}")
    return quantity


def iso_micro(moment: datetime) -> str:
    """One spelling per instant: UTC, always six fraction digits, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _item(item: _WireItem, path: str) -> TrackingItem:
    return TrackingItem(
        rebound_item_id=item.reboundItemId,
        sku=item.sku,
        quantity=parse_quantity(item.quantity, f"{path}.quantity"),
        client_item_id=item.clientItemId or None,
        ean=item.ean or None,
        reason_code=item.reasonCode or None,
        article_description=item.articleDescription or None,
        commercial_value=_money(item, path),
    )


def _money(item: _WireItem, path: str) -> Money | None:
    text = (item.commercialValue or "").strip()
    if not text:
        return None  # a currency alone says nothing about a value
    currency = (item.commercialValueCurrency or "").strip()
    if not currency:
        raise MalformedTrackingUpdate(f"{path}.commercialValueCurrency", "required with commercialValue")
    if not is_currency_code(currency):
        raise MalformedTrackingUpdate(
            f"{path}.commercialValueCurrency", f"not an ISO 4217 currency code: {currency[:16]!r}"
        )
    try:
        value = Money.parse(text, currency)
    except DomainError as error:
        raise MalformedTrackingUpdate(f"{path}.commercialValue", str(error)) from None
    if value.is_negative:
        raise MalformedTrackingUpdate(f"{path}.commercialValue", f"cannot be negative: {text!r}")
    return value


def _from_msgspec(error: msgspec.ValidationError) -> MalformedTrackingUpdate:
    """msgspec says "<why> - at `<path>`"; keep both parts apart."""
    why, sep, rest = str(error).rpartition(" - at `")
    if not sep:
        return MalformedTrackingUpdate("$", str(error))
    return MalformedTrackingUpdate(rest.rstrip("`"), why)
