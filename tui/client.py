"""The admin API client: one aiohttp session, bearer token, typed responses, two kinds of failure.

`Unreachable` means the daemon could not be reached at all (the TUI keeps retrying); `ApiError`
means it answered with the admin API's error shape (the TUI shows the message).
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import msgspec

from backflow.app.entrypoints.http.views import (
    DeadLetterDetail,
    DeadLetterList,
    ErrorResponse,
    ExceptionDetail,
    ExceptionList,
    Overview,
    RequeueResult,
    RetryResult,
    ReturnDetail,
    ReturnList,
)
from backflow.tui.config import ClientConfig

T = TypeVar("T")
REQUEST_TIMEOUT = 5.0


class Unreachable(Exception):
    """No answer from the daemon: refused, timed out, or not the admin API."""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({status} {code})")
        self.status, self.code, self.message = status, code, message


class ExceptionFilters(msgspec.Struct, frozen=True, kw_only=True):
    owner: str | None = None
    type: str | None = None
    state: str | None = None
    """None: unresolved (open or acknowledged)."""
    min_age_seconds: float | None = None
    max_age_seconds: float | None = None
    order: str = "newest"
    limit: int = 200

    def params(self) -> dict[str, str]:
        pairs = {
            "owner": self.owner,
            "type": self.type,
            "state": self.state,
            "min_age": None if self.min_age_seconds is None else f"{self.min_age_seconds:g}",
            "max_age": None if self.max_age_seconds is None else f"{self.max_age_seconds:g}",
            "order": self.order,
            "limit": str(self.limit),
        }
        return {key: value for key, value in pairs.items() if value}


class AdminClient:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def overview(self) -> Overview:
        return await self._call("GET", "/api/overview", Overview)

    async def exceptions(self, filters: ExceptionFilters) -> ExceptionList:
        return await self._call("GET", "/api/exceptions", ExceptionList, params=filters.params())

    async def exception(self, exception_id: int) -> ExceptionDetail:
        return await self._call("GET", f"/api/exceptions/{exception_id}", ExceptionDetail)

    async def acknowledge(self, exception_id: int, note: str | None = None) -> ExceptionDetail:
        return await self._call(
            "POST", f"/api/exceptions/{exception_id}/ack", ExceptionDetail, {"note": note}
        )

    async def resolve(self, exception_id: int, note: str) -> ExceptionDetail:
        body = {"note": note}
        return await self._call("POST", f"/api/exceptions/{exception_id}/resolve", ExceptionDetail, body)

    async def retry(self, exception_id: int, note: str | None = None) -> RetryResult:
        return await self._call("POST", f"/api/exceptions/{exception_id}/retry", RetryResult, {"note": note})

    async def decide(self, exception_id: int, decision: str, note: str) -> Any:
        """`approve_backflow`, `approve_rebound` or `reject` on a refund mismatch."""
        body = {"decision": decision, "note": note}
        return await self._call("POST", f"/api/exceptions/{exception_id}/decide", Any, body)

    async def reanchor(self, exception_id: int, order_number: str, note: str) -> Any:
        body = {"order_number": order_number, "note": note}
        return await self._call("POST", f"/api/exceptions/{exception_id}/reanchor", Any, body)

    async def search_returns(self, text: str) -> ReturnList:
        return await self._call("GET", "/api/returns", ReturnList, params={"query": text})

    async def return_detail(self, return_id: str) -> ReturnDetail:
        return await self._call("GET", f"/api/returns/{quote(return_id, safe='')}", ReturnDetail)

    async def dead_letters(self) -> DeadLetterList:
        return await self._call("GET", "/api/dead-letters", DeadLetterList)

    async def dead_letter(self, outbox_id: str) -> DeadLetterDetail:
        return await self._call("GET", f"/api/dead-letters/{quote(outbox_id, safe='')}", DeadLetterDetail)

    async def requeue(self, outbox_id: str) -> RequeueResult:
        path = f"/api/dead-letters/{quote(outbox_id, safe='')}/requeue"
        return await self._call("POST", path, RequeueResult)

    async def _call(
        self,
        method: str,
        path: str,
        kind: type[T],
        body: dict[str, Any] | None = None,
        *,
        params: dict[str, str] | None = None,
    ) -> T:
        headers = {"X-Backflow-Actor": self.config.actor, "Accept": "application/json"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = msgspec.json.encode({k: v for k, v in body.items() if v is not None})
        try:
            async with self._http().request(
                method, self.config.url + path, headers=headers, params=params, data=data
            ) as response:
                raw = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise Unreachable(f"{self.config.url}: {type(exc).__name__}: {exc}".rstrip(": ")) from exc
        if status >= 400:
            raise _api_error(status, raw)
        try:
            return msgspec.json.decode(raw, type=kind)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ApiError(status, "bad_response", f"unexpected answer from {path}: {exc}") from exc

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session


def _api_error(status: int, raw: bytes) -> ApiError:
    try:
        body = msgspec.json.decode(raw, type=ErrorResponse).error
    except (msgspec.DecodeError, msgspec.ValidationError):
        # Something else answered on that port (a proxy, another service): not the admin API.
        if status in (502, 503, 504):
            raise Unreachable(f"HTTP {status} without the admin API's error shape") from None
        return ApiError(status, "http_error", raw[:200].decode("utf-8", "replace") or f"HTTP {status}")
    return ApiError(status, body.code, body.message)
