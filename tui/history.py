"""The last minute of overview samples for the sparklines, kept by the app so a screen switch keeps them."""

from __future__ import annotations

from collections import deque

from backflow.app.entrypoints.http.views import Overview

SAMPLES = 60


class OverviewHistory:
    def __init__(self, size: int = SAMPLES) -> None:
        self.throughput: deque[float] = deque(maxlen=size)
        self.oldest_due: deque[float] = deque(maxlen=size)
        self.backlog: deque[float] = deque(maxlen=size)

    def add(self, overview: Overview) -> None:
        self.throughput.append(float(overview.throughput.completed))
        self.oldest_due.append(overview.oldest_due_age_seconds or 0.0)
        self.backlog.append(float(sum(q.due + q.retrying + q.leased for q in overview.queues)))


class Backoff:
    """Seconds to wait before the next attempt after consecutive failures: doubling, capped."""

    def __init__(self, first: float = 1.0, cap: float = 15.0) -> None:
        self.first, self.cap, self.failures = first, cap, 0

    def fail(self) -> float:
        self.failures += 1
        return float(min(self.first * 2.0 ** (self.failures - 1), self.cap))

    def reset(self) -> None:
        self.failures = 0
