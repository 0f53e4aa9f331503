"""commercetools-shaped error responses: `{statusCode, message, errors:[{code, message, ...}]}`."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class CtError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message, **self.extra}
        body: dict[str, Any] = {"statusCode": self.status, "message": self.message, "errors": [error]}
        if self.status in (401, 403):
            body["error"] = self.code
        return body

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status)


def invalid(message: str, code: str = "InvalidInput", **extra: Any) -> CtError:
    return CtError(400, code, message, **extra)


def invalid_operation(message: str) -> CtError:
    return CtError(400, "InvalidOperation", message)


def not_found(message: str) -> CtError:
    return CtError(404, "ResourceNotFound", message)


def required(field: str) -> CtError:
    return CtError(400, "RequiredField", f"A value is required for field {field}.", field=field)


def concurrent_modification(resource_id: str, expected: int, actual: int) -> CtError:
    message = (
        f"Object {resource_id} has a different version than expected. "
        f"Expected: {expected} - Actual: {actual}."
    )
    return CtError(409, "ConcurrentModification", message, currentVersion=actual)
