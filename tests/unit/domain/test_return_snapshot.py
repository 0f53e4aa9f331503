from __future__ import annotations

import msgspec
import pytest

from backflow.domain.money import Money
from backflow.domain.return_snapshot import decode_return_event, newest
from tests.rebound_support import envelope


def test_unknown_enum_values_decode_and_are_named() -> None:
    raw = msgspec.json.decode(envelope("E1", type="return_order.levitated"))
    raw["data"]["order"]["flow"] = "DRONE"
    raw["data"]["items"][0].update(condition="Z", disposition="MOON", commercialValue="35.10")
    raw["data"]["items"][0]["commercialValueCurrency"] = "GBP"
    raw["data"]["refund"] = {
        "milestone": "WHENEVER",
        "outcome": "CASH",
        "lines": [{"clientItemId": "line-1", "quantity": 1, "amount": "35.10"}],
        "totalAmount": "35.10",
        "currency": "GBP",
    }
    event = decode_return_event(msgspec.json.encode(raw))
    assert not event.is_known_type
    assert event.data.unknown_values() == [
        "flow=DRONE",
        "condition=Z",
        "disposition=MOON",
        "milestone=WHENEVER",
        "outcome=CASH",
    ]
    assert event.data.items[0].commercial_value() == Money.parse("35.10", "GBP")
    assert event.data.refund is not None
    assert event.data.refund.total() == Money.parse("35.10", "GBP")
    assert event.data.refund.line_amounts() == {"line-1": Money.parse("35.10", "GBP")}


def test_a_float_amount_is_refused_not_coerced() -> None:
    raw = msgspec.json.decode(envelope("E2"))
    raw["data"]["items"][0]["commercialValue"] = 35.1
    with pytest.raises(msgspec.ValidationError):
        decode_return_event(msgspec.json.encode(raw))


def test_the_newest_sequence_wins_whatever_the_arrival_order() -> None:
    events = [decode_return_event(envelope(f"E{n}", sequence=n)) for n in (3, 9, 1)]
    latest = newest(events)
    assert latest is not None and latest.sequence == 9
    assert newest([]) is None
