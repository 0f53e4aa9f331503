"""JSON in and out with msgspec, and one error shape for every endpoint."""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from backflow.app.entrypoints.http.body import read_body
from backflow.app.entrypoints.http.views import ErrorBody, ErrorResponse

T = TypeVar("T")
_ENCODER = msgspec.json.Encoder()
_CANONICAL_INT = re.compile(r"0|[1-9][0-9]*")  # [0-9], not \d: only ASCII digits
MAX_DIGITS = 18


def json_response(value: Any, *, status: int = 200) -> web.Response:
    return web.Response(body=_ENCODER.encode(value), status=status, content_type="application/json")


def error(status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> web.Response:
    response = json_response(ErrorResponse(ErrorBody(code, message)), status=status)
    if headers:
        response.headers.update(headers)
    return response


class HttpError(Exception):
    """Raised by a route to answer with the error shape; caught by the error middleware."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> web.Response:
        return error(self.status, self.code, self.message)


async def read_json(request: web.Request, kind: type[T], *, max_bytes: int = 64 * 1024) -> T:
    body = await read_body(request, max_bytes)
    if body is None:
        raise HttpError(413, "body_too_large", f"the body exceeds {max_bytes} bytes")
    try:
        return msgspec.json.decode(body or b"{}", type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise HttpError(400, "invalid_body", str(exc)) from exc


def canonical_int(text: str) -> int | None:
    """The value of a canonical ASCII decimal, else None: no sign, space or leading zero, and no
    other script's digits (`str.isdigit` accepts fullwidth and Arabic-Indic ones)."""
    if len(text) > MAX_DIGITS or not _CANONICAL_INT.fullmatch(text):
        return None
    return int(text)


def int_param(request: web.Request, name: str, default: int, *, low: int = 1, high: int = 1000) -> int:
    text = request.query.get(name)
    if text is None or text == "":
        return default
    value = canonical_int(text)
    if value is None or not low <= value <= high:
        raise HttpError(400, "invalid_parameter", f"{name} must be an integer from {low} to {high}")
    return value


MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000


def offset_param(request: web.Request) -> int:
    """`offset`: how many items to skip, for paging (0 to 1,000,000,000)."""
    return int_param(request, "offset", 0, low=0, high=MAX_OFFSET)


def float_param(request: web.Request, name: str) -> float | None:
    text = request.query.get(name)
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise HttpError(400, "invalid_parameter", f"{name} must be a number of seconds") from None
    if not 0 <= value < 1e12:
        raise HttpError(400, "invalid_parameter", f"{name} must be a non-negative number of seconds")
    return value


def match(request: web.Request, name: str) -> str:
    return request.match_info[name]
