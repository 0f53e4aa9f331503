"""One authenticated, bounded, retrying HTTP exchange with ReBound, traced as one CLIENT span per attempt."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import aiohttp
import anyio
from opentelemetry import trace
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from backflow.adapters.rebound.auth import TokenSource
from backflow.adapters.rebound.config import ReboundConfig
from backflow.adapters.rebound.errors import port_error
from backflow.adapters.upstream_metrics import UpstreamCalls
from backflow.ports.errors import TransientError

Sleep = Callable[[float], Awaitable[None]]
_PROPAGATOR = TraceContextTextMapPropagator()


class Response:
    def __init__(self, status: int, body: bytes, retry_after: str | None = None) -> None:
        self.status = status
        self.body = body
        self.retry_after = retry_after


class ReboundHttp:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: ReboundConfig,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        sleep: Sleep = anyio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._session = session
        self._config = config
        self.tokens = TokenSource(session, config)
        self._limit = anyio.Semaphore(config.max_concurrency)
        self._tracer = trace.get_tracer("backflow.rebound", tracer_provider=tracer_provider)
        self._traced = tracer_provider is not None
        self._calls = UpstreamCalls("rebound", meter_provider)
        self._sleep = sleep
        self._rng = rng or random.Random()

    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        """Send until an `ok` status; transient failures retry with full-jitter backoff, bounded."""
        call = _Call(method, path, what, params, body, headers or {}, ok)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._authenticated(call)
            except TransientError as error:
                if attempt >= self._config.max_attempts:
                    raise
                await self._sleep(self._delay(attempt, error))

    def _delay(self, attempt: int, error: TransientError) -> float:
        if error.retry_after is not None:
            if error.retry_after > self._config.max_retry_after:
                raise error  # the caller reschedules; waiting here would hold a worker for minutes
            return error.retry_after
        ceiling = min(self._config.backoff_cap, self._config.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)

    async def _authenticated(self, call: _Call) -> Response:
        token = await self.tokens.token()
        response = await self._send(call, token)
        if response.status == 401:
            # The token expired or was revoked: one fresh token, one retry, then it is the caller's.
            token = await self.tokens.refresh(token)
            response = await self._send(call, token)
        if response.status not in call.ok:
            raise port_error(response.status, response.body, response.retry_after, call.what)
        return response

    async def _send(self, call: _Call, token: str) -> Response:
        url = f"{self._config.api_url}{call.path}"
        sent: dict[str, str] = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if call.body is not None:
            sent["Content-Type"] = "application/json"
        if self._config.flow_key:
            sent["X-ReBound-Flow-Key"] = self._config.flow_key
        sent.update(call.headers)
        timeout = aiohttp.ClientTimeout(total=self._config.request_timeout)
        async with self._limit:
            with (
                self._tracer.start_as_current_span(
                    f"{call.method} {call.what}", kind=SpanKind.CLIENT, record_exception=False
                ) as span,
                self._calls.timed(call.method, call.path) as measured,
            ):
                span.set_attribute("http.request.method", call.method)
                span.set_attribute("url.full", url)  # no query string: it may carry cursors
                if self._traced:
                    _PROPAGATOR.inject(sent)
                try:
                    async with self._session.request(
                        call.method, url, params=call.params, data=call.body, headers=sent, timeout=timeout
                    ) as response:
                        raw = Response(
                            response.status, await response.read(), response.headers.get("Retry-After")
                        )
                except (aiohttp.ClientError, TimeoutError) as exc:
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    measured["status"] = type(exc).__name__
                    raise TransientError(f"{call.what}: {type(exc).__name__}: {exc}") from exc
                measured["status"] = str(raw.status)
                span.set_attribute("http.response.status_code", raw.status)
                if raw.status >= 400:
                    span.set_status(Status(StatusCode.ERROR))
                return raw


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    what: str
    params: Mapping[str, str] | None
    body: bytes | None
    headers: Mapping[str, str]
    ok: tuple[int, ...]
