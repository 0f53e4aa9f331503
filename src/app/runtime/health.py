"""What every actor is doing right now, for `/readyz`, the admin API and the TUI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from backflow.ports.clock import Clock


class ActorState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPED = "stopped"


@dataclass
class ActorStatus:
    name: str
    state: ActorState = ActorState.STARTING
    restarts: int = 0
    last_error: str | None = None
    last_error_at: datetime | None = None
    started_at: datetime | None = None
    processed: int = 0


@dataclass
class ActorHealth:
    clock: Clock
    actors: dict[str, ActorStatus] = field(default_factory=dict)

    def status(self, name: str) -> ActorStatus:
        return self.actors.setdefault(name, ActorStatus(name))

    def running(self, name: str) -> None:
        status = self.status(name)
        status.state = ActorState.RUNNING
        status.started_at = self.clock.now()

    def crashed(self, name: str, error: BaseException) -> None:
        status = self.status(name)
        status.state = ActorState.RESTARTING
        status.restarts += 1
        status.last_error = f"{type(error).__name__}: {error}"
        status.last_error_at = self.clock.now()

    def stopped(self, name: str) -> None:
        self.status(name).state = ActorState.STOPPED

    def all_running(self) -> bool:
        return bool(self.actors) and all(s.state is ActorState.RUNNING for s in self.actors.values())
