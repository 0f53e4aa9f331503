"""ReBound's HTTP failures as the typed port errors the application understands."""

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


class _ErrorBody(msgspec.Struct):
    code: str = "unknown"
    message: str = ""


class _ErrorEnvelope(msgspec.Struct):
    error: _ErrorBody


_ERROR_DECODER = msgspec.json.Decoder(_ErrorEnvelope)


def error_code_and_message(body: bytes) -> tuple[str, str]:
    """The contract's `{"error": {"code", "message"}}`, or a neutral code for a body that is not one."""
    try:
        envelope = _ERROR_DECODER.decode(body)
    except msgspec.DecodeError:
        return "unknown", body[:200].decode("utf-8", "replace")
    return envelope.error.code, envelope.error.message


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds; ReBound sends delta-seconds, an HTTP date is not supported."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def port_error(status: int, body: bytes, retry_after: str | None, what: str) -> PortError:
    code, message = error_code_and_message(body)
    text = f"{what}: ReBound answered {status} {code}: {message}"
    codes = (code,)
    if status in (401, 403):
        return UnauthorizedError(text, status=status, codes=codes)
    if status == 404:
        return NotFoundError(text, status=status, codes=codes)
    if status == 409:
        return ConflictError(text, status=status, codes=codes)
    if status == 429 or status >= 500:
        return TransientError(text, status=status, codes=codes, retry_after=parse_retry_after(retry_after))
    return InvalidRequestError(text, status=status, codes=codes)
