"""The critical path's claim on upstream capacity: order sync marks its calls, adapters honour it.

A customer who cannot find a fresh order on the returns portal calls customer service, so an order
reaching ReBound must never queue behind a surge of returns for a free upstream connection. The
order-sync handler runs inside `critical_path()`; an adapter's limiter gives such calls a reserved
share of its slots (besides any free general slot).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CRITICAL: ContextVar[bool] = ContextVar("backflow_critical_path", default=False)


@contextmanager
def critical_path() -> Iterator[None]:
    """Calls made inside (in this task and the tasks it starts) use the reserved upstream capacity."""
    token = _CRITICAL.set(True)
    try:
        yield
    finally:
        _CRITICAL.reset(token)


def on_critical_path() -> bool:
    return _CRITICAL.get()
