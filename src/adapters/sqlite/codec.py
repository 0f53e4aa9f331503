"""Conversions between rows and port structs: times are REAL unix seconds, maps are JSON blobs."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from backflow.adapters.sqlstore.rows import RowDecoders

_encode = msgspec.json.Encoder().encode
_decode_map = msgspec.json.Decoder(dict[str, str]).decode


def ts(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; the store takes timezone-aware times only")
    return value.timestamp()


def ts_or_none(value: datetime | None) -> float | None:
    return None if value is None else ts(value)


def dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def dt_or_none(value: float | None) -> datetime | None:
    return None if value is None else dt(value)


def encode_map(value: dict[str, str]) -> bytes:
    return _encode(value)


def decode_map(value: bytes) -> dict[str, str]:
    return _decode_map(value)


ROWS = RowDecoders(dt=dt, decode_map=decode_map)
outbox_row = ROWS.outbox_row
outbox_event = ROWS.outbox_event
stored_inbound_event = ROWS.stored_inbound_event
exception_record = ROWS.exception_record
