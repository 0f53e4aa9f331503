"""The narrow dependencies a flow declares by name in its signature.

A handler is `async def sync_order(row, *, store, commerce, platform, order_policy)`: the runtime's
binder (`app.runtime.binding`) reads each signature once at start-up and passes what the names ask
for; an unknown name stops the daemon before it starts. The names a flow may ask for:

| name | what | typical reader |
|---|---|---|
| `store` | `StoreDeps`: units of work, the clock, the tracer, who owns an exception type | every flow |
| `commerce`, `platform` | the commercetools and ReBound ports | flows that call out |
| `inbox`, `watermarks`, `timeline` | the inbox, job watermarks, the timeline reader | intake, sweeps |
| `reports`, `alerts` | the ledgers read-only; where alerts go (None: no webhook) | monitors, notify |
| `*_policy` | a typed policy built once from the settings (`app.core.policies`) | the flow it names |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from opentelemetry.trace import Tracer

from backflow.ports.clock import Clock
from backflow.ports.unit_of_work import UnitOfWorkFactory


class Owners(Protocol):
    """Who owns an exception of a type (finance, cx, operations): the settings answer it."""

    def owner_of(self, exception_type: str) -> str: ...


class Recorder(Protocol):
    """What the shared writers (`raise_exception`, `note`, `quarantine`) read: `StoreDeps` is one."""

    @property
    def unit_of_work(self) -> UnitOfWorkFactory: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def owners(self) -> Owners: ...


@dataclass(frozen=True)
class StoreDeps:
    """What every flow writes through: its units of work, the time, its spans, exception owners."""

    unit_of_work: UnitOfWorkFactory
    clock: Clock
    tracer: Tracer
    owners: Owners
