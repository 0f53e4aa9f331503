"""commercetools error bodies mapped onto the typed port errors."""

from __future__ import annotations

import msgspec

from backflow.ports.errors import (
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    PortError,
    TransientError,
    UnauthorizedError,
)

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class _ErrorObject(msgspec.Struct):
    code: str = "General"
    message: str = ""
    currentVersion: int | None = None  # commercetools field names are camelCase


class _ErrorBody(msgspec.Struct):
    message: str = ""
    errors: list[_ErrorObject] = []
    error: str | None = None  # OAuth style: {"error":"invalid_token"}


_DECODE = msgspec.json.Decoder(_ErrorBody)


def parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare enough to fall back on our own backoff


def error_for(status: int, body: bytes, retry_after: str | None = None) -> PortError:
    try:
        parsed = _DECODE.decode(body) if body else _ErrorBody()
    except msgspec.DecodeError:
        parsed = _ErrorBody(message=body[:200].decode("utf-8", "replace"))
    codes = tuple(e.code for e in parsed.errors) or ((parsed.error,) if parsed.error else ())
    message = parsed.message or (parsed.errors[0].message if parsed.errors else f"HTTP {status}")
    if status == 404:
        return NotFoundError(message, status=status, codes=codes)
    if status == 409:
        current = next((e.currentVersion for e in parsed.errors if e.currentVersion is not None), None)
        return ConflictError(message, codes=codes, current_version=current)
    if status in (401, 403):
        return UnauthorizedError(message, status=status, codes=codes)
    if status in TRANSIENT_STATUSES:
        return TransientError(message, status=status, codes=codes, retry_after=parse_retry_after(retry_after))
    return InvalidRequestError(message, status=status, codes=codes)
