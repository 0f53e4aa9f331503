"""Bytes that are usually JSON, shown as JSON when they are and as text when they are not."""

from __future__ import annotations

import msgspec


def json_value(data: bytes) -> msgspec.Raw | str:
    """The bytes as embeddable JSON if they parse, else as a (lossy, for display) string."""
    try:
        msgspec.json.decode(data)
    except msgspec.DecodeError:
        return data.decode("utf-8", errors="replace")
    return msgspec.Raw(data)
