"""One shape for every actor: a span per unit of work, its outcome recorded, a failure logged.

The outbox actors (a claimed row), the inbox processor (a stored inbound event) and the scheduler
(one run of a job) all run their units through `Actor.handle`, so none can forget a part of it:

- the span: a CONSUMER span parented from the context stored with the row or event (the aio-pika
  pattern), or for a job's run a span under the scheduler's context; an error is recorded on it;
- the record: `succeeded` or `failed`, which every actor must implement (the row completed or
  failed, the event processed or retried, the job's status), written under a shield so a stop
  cannot lose an outcome that is already known;
- the log: one warning per failure, on the actor module's own logger, with the unit's fields;
- the raise: `raise_exception`, how an actor opens an operator exception (a dead letter, an inbound
  event that failed for good) in a unit of work of its own.

Whether an actor is alive (running, restarting after a crash) is recorded by the supervisor in
`ActorHealth` for every actor the daemon starts.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, Generic, TypeVar

import anyio
from opentelemetry.trace import Span, Status, StatusCode

from backflow.app.core.deps import StoreDeps
from backflow.app.core.problems import raise_exception
from backflow.app.core.tracing import consumer_span
from backflow.ports.exceptions import Severity

MAX_ERROR = 2000

U = TypeVar("U")


class Outcome(Enum):
    DONE = "done"
    """The work returned: the base records the unit as succeeded."""
    SETTLED = "settled"
    """The work gave the unit up (the row's lease was lost to another owner): nothing to record."""


@dataclass(frozen=True)
class Unit:
    """What the base needs to know about one unit of work."""

    span_name: str
    attributes: Mapping[str, str | int]
    log_fields: Mapping[str, object] = field(default_factory=dict)
    trace_ctx: Mapping[str, str] | None = None
    """The context the row or event was written under (the CONSUMER span's parent)."""
    consumer: bool = True
    """False for a job's run: nothing was consumed, so the span is INTERNAL under the current context."""


class Actor(ABC, Generic[U]):
    """The base of every actor; subclasses say what a unit is, how it runs and how it is recorded."""

    store: StoreDeps
    """Its units of work, clock, tracer and exception owners: all the base itself touches."""
    failure_message: ClassVar[str]
    """The log message of a failed unit ("outbox handler failed", ...)."""

    @abstractmethod
    def unit_of(self, item: U) -> Unit: ...

    @abstractmethod
    async def work(self, item: U, span: Span) -> Outcome:
        """Run the unit; raising fails it (recorded on the span, logged, then `failed`)."""

    @abstractmethod
    async def succeeded(self, item: U) -> None: ...

    @abstractmethod
    async def failed(self, item: U, error: str) -> None:
        """Record a failure; `error` is the described exception (see `describe`)."""

    async def settle_without_running(self, item: U) -> bool:
        """Settle a unit that must not run (a quarantined event) and say so; errors propagate."""
        return False

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(type(self).__module__)

    async def handle(self, item: U) -> None:
        unit = self.unit_of(item)
        with self._span(unit) as span:
            if await self.settle_without_running(item):
                return
            try:
                outcome = await self.work(item, span)
            except Exception as exc:
                error = describe(exc)
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                self.log.warning(self.failure_message, extra={**unit.log_fields, "error": error})
                # The outcome is written even when shutdown cancels us right now: it is one small write.
                with anyio.CancelScope(shield=True):
                    await self.failed(item, error)
                return
            if outcome is Outcome.DONE:
                with anyio.CancelScope(shield=True):
                    await self.succeeded(item)

    async def raise_exception(
        self, exception_type: str, dedupe_key: str, evidence: Mapping[str, object]
    ) -> None:
        """Open (or sight again, by its dedupe key) an ERROR exception, owned as the settings say."""
        async with self.store.unit_of_work() as uow:
            raise_exception(
                uow,
                self.store,
                exception_type,
                dedupe_key=dedupe_key,
                severity=Severity.ERROR,
                evidence=evidence,
            )
            await uow.commit()

    def _span(self, unit: Unit) -> AbstractContextManager[Span]:
        if unit.consumer:
            return consumer_span(self.store.tracer, unit.span_name, unit.trace_ctx, unit.attributes)
        return self.store.tracer.start_as_current_span(unit.span_name, attributes=dict(unit.attributes))


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR]
