"""Which outbound APIs answer: a recording proxy around any port notes each call's outcome.

A call "succeeds" when the API answered as an API does (a result, or a not-found / conflict /
invalid-request error): the service is up and our credentials work. Transient failures, refused
credentials and anything unexpected count as errors. `/readyz` and the admin overview read this.
"""

from __future__ import annotations

import functools
import inspect
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from backflow.ports.clock import Clock
from backflow.ports.errors import ConflictError, InvalidRequestError, NotFoundError

T = TypeVar("T")
_ANSWERS = (NotFoundError, ConflictError, InvalidRequestError)
RECENT = 20


@dataclass
class ApiStatus:
    name: str
    calls: int = 0
    errors: int = 0
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    recent: deque[bool] = field(default_factory=lambda: deque(maxlen=RECENT))
    """The last calls' outcomes (True = success), newest last."""

    @property
    def recent_errors(self) -> int:
        return sum(1 for ok in self.recent if not ok)

    def ready(self, now: datetime, window_seconds: float) -> tuple[bool, str | None]:
        if self.recent and self.recent[-1]:
            return True, None
        if self.last_success_at is None:
            return False, f"{self.name}: no successful call yet" + (
                f" (last error: {self.last_error})" if self.last_error else ""
            )
        age = (now - self.last_success_at).total_seconds()
        if not self.recent or age <= window_seconds:
            return True, None
        return False, f"{self.name}: failing for {age:.0f}s (last error: {self.last_error})"


@dataclass
class ApiHealth:
    clock: Clock
    apis: dict[str, ApiStatus] = field(default_factory=dict)

    def status(self, name: str) -> ApiStatus:
        return self.apis.setdefault(name, ApiStatus(name))

    def success(self, name: str) -> None:
        status = self.status(name)
        status.calls += 1
        status.last_success_at = self.clock.now()
        status.recent.append(True)

    def failure(self, name: str, error: BaseException) -> None:
        status = self.status(name)
        status.calls += 1
        status.errors += 1
        status.last_error_at = self.clock.now()
        status.last_error = f"{type(error).__name__}: {error}"[:500]
        status.recent.append(False)

    def outcome(self, name: str, error: BaseException | None) -> None:
        if error is None or isinstance(error, _ANSWERS):
            self.success(name)
        elif isinstance(error, Exception):
            self.failure(name, error)


class _Recording:
    def __init__(self, inner: object, name: str, health: ApiHealth) -> None:
        self._inner = inner
        self._name = name
        self._health = health

    def __getattr__(self, attribute: str) -> Any:
        target = getattr(self._inner, attribute)
        if inspect.iscoroutinefunction(target):
            return self._wrap_coroutine(target)
        if callable(target):
            return self._wrap_callable(target)
        return target

    def _wrap_coroutine(self, target: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(target)
        async def call(*args: Any, **kwargs: Any) -> Any:
            try:
                result = await target(*args, **kwargs)
            except BaseException as exc:
                self._health.outcome(self._name, exc)
                raise
            self._health.outcome(self._name, None)
            return result

        return call

    def _wrap_callable(self, target: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(target)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = target(*args, **kwargs)
            return self._iterate(result) if isinstance(result, AsyncIterator) else result

        return call

    async def _iterate(self, pages: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # Paged reads (sweeps, catch-up): each item fetched is a sign of life, the end a success.
        try:
            async for item in pages:
                yield item
        except BaseException as exc:
            self._health.outcome(self._name, exc)
            raise
        self._health.outcome(self._name, None)


def recording(port: T, name: str, health: ApiHealth) -> T:
    """`port`, with every call's outcome noted under `name`; typed as the port it wraps."""
    return cast(T, _Recording(port, name, health))
