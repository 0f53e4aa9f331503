"""Conversions between rows (dicts) and port structs.

The ports must return the same values from both stores: times come back as datetimes in
`datetime.UTC` (psycopg would attach the session's zone), maps as dict[str, str], bytes as bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from backflow.adapters.sqlstore.rows import RowDecoders

Row = dict[str, Any]

_encode = msgspec.json.Encoder().encode


def ts(value: datetime) -> datetime:
    """A time to write; naive datetimes are refused, as the SQLite store refuses them."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; the store takes timezone-aware times only")
    return value


def ts_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else ts(value)


def dt(value: datetime) -> datetime:
    return value.astimezone(UTC)


def dt_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else dt(value)


def encode_map(value: dict[str, str]) -> str:
    return _encode(value).decode()


def decode_map(value: Any) -> dict[str, str]:
    """A json column as psycopg loads it, checked to be the str -> str map the port promises."""
    return msgspec.convert(value, dict[str, str])


ROWS = RowDecoders(dt=dt, decode_map=decode_map)
outbox_row = ROWS.outbox_row
outbox_event = ROWS.outbox_event
stored_inbound_event = ROWS.stored_inbound_event
exception_record = ROWS.exception_record
