"""One aiohttp session for commercetools: auth, bounded concurrency, timeouts, retries, spans.

Retrying a write after a timeout is safe here because every update carries `version`: if the first
attempt was applied, the repeat answers 409 and the caller's read-modify-write loop re-checks.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp
import anyio
import msgspec
from opentelemetry import propagate, trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from backflow.adapters.commercetools.auth import TokenProvider
from backflow.adapters.commercetools.config import CommercetoolsConfig
from backflow.adapters.commercetools.errors import error_for
from backflow.adapters.commercetools.limiter import ReservingLimiter
from backflow.adapters.upstream_metrics import UpstreamCalls
from backflow.ports.errors import PortError, TransientError, UnauthorizedError

Params = Sequence[tuple[str, str]]
CORRELATION_HEADER = "X-Correlation-ID"


class CommercetoolsHttp:
    def __init__(
        self,
        config: CommercetoolsConfig,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        self._limit = ReservingLimiter(config.max_concurrency, config.reserved_for_order_sync)
        self._tracer = trace.get_tracer("backflow.commercetools", tracer_provider=tracer_provider)
        self._calls = UpstreamCalls("commercetools", meter_provider)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.tokens = TokenProvider(config, self._post_token)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.config.request_timeout)
            limit = self.config.max_concurrency + self.config.reserved_for_order_sync
            connector = aiohttp.TCPConnector(limit=limit)
            self._session = aiohttp.ClientSession(timeout=timeout, connector=connector)
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    # ------------------------------------------------------------------ public calls
    async def get(self, path: str, params: Params = ()) -> bytes:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, body: Mapping[str, Any], params: Params = ()) -> bytes:
        return await self.request("POST", path, params=params, body=msgspec.json.encode(body))

    async def request(
        self, method: str, path: str, *, params: Params = (), body: bytes | None = None
    ) -> bytes:
        """Send with retries on transient failures; raise the typed port error otherwise."""
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            try:
                token = await self.tokens.token()
                try:
                    return await self._send(method, path, params, body, token)
                except UnauthorizedError:
                    if refreshed:
                        raise
                    refreshed = True  # renew the token once on a 401/403, then give up
                    self.tokens.invalidate(token)
                    attempt -= 1
            except TransientError as error:
                if attempt >= self.config.max_attempts:
                    raise
                await self._sleep(self._backoff(attempt, error.retry_after))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.backoff_cap * 4)
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)  # full jitter

    async def _send(self, method: str, path: str, params: Params, body: bytes | None, token: str) -> bytes:
        url = f"{self.config.project_url}{path}"
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        attributes = {"http.request.method": method, "url.full": url, "server.address": self.config.api_url}
        async with self._limit.slot():
            with (
                self._tracer.start_as_current_span(
                    f"commercetools {method}", kind=SpanKind.CLIENT, attributes=attributes
                ) as span,
                self._calls.timed(method, path) as measured,
            ):
                propagate.inject(headers)
                headers[CORRELATION_HEADER] = correlation_id(span)
                try:
                    async with self.session.request(
                        method, url, params=list(params), data=body, headers=headers
                    ) as response:
                        payload = await response.read()
                        measured["status"] = str(response.status)
                        span.set_attribute("http.response.status_code", response.status)
                        if response.status >= 400:
                            span.set_status(Status(StatusCode.ERROR))
                            raise error_for(response.status, payload, response.headers.get("Retry-After"))
                        return payload
                except PortError:
                    raise
                except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as error:
                    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                    measured["status"] = type(error).__name__
                    raise TransientError(f"{method} {url}: {type(error).__name__}") from error

    async def _post_token(
        self, url: str, user: str, password: str, params: dict[str, str]
    ) -> tuple[int, bytes]:
        # Parameters travel in the query string: the real API accepts them there and the npm mock reads
        # `scope` only there; the (empty) form body still declares its content type, which the mock needs.
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"}
        try:
            async with self.session.post(url, params=params, headers=headers, data=b"") as response:
                return response.status, await response.read()
        except (TimeoutError, aiohttp.ClientConnectionError) as error:
            raise TransientError(f"token request: {type(error).__name__}") from error


def correlation_id(span: Span) -> str:
    """The trace id (commercetools logs it, so a support ticket finds the trace), or a fresh id untraced."""
    context = span.get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else uuid.uuid4().hex
