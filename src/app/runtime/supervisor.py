"""Supervision: an actor that crashes is restarted with backoff, and the crash is visible.

A failure before the actor's first `task_status.started()` propagates, so a daemon that cannot start
says so at once instead of looping; later crashes restart it with capped exponential backoff.
Cancellation (shutdown) is never caught.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import TaskStatus

from backflow.app.runtime.health import ActorHealth

log = logging.getLogger(__name__)

ActorFn = Callable[..., Coroutine[Any, Any, None]]
"""`async def actor(*, task_status)`: calls `task_status.started()` once it is ready to work."""


@dataclass(frozen=True)
class RestartPolicy:
    initial_delay: float = 0.5
    max_delay: float = 30.0
    stable_after: float = 60.0
    """A run that lasted this long resets the backoff: the actor was healthy, the crash is new."""

    def delay(self, consecutive_crashes: int) -> float:
        return min(self.max_delay, self.initial_delay * (1 << max(0, consecutive_crashes - 1)))


async def supervise(
    name: str,
    actor: ActorFn,
    health: ActorHealth,
    policy: RestartPolicy = RestartPolicy(),
    *,
    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    first = True
    crashes = 0
    while True:
        began = anyio.current_time()
        try:
            async with anyio.create_task_group() as group:
                await group.start(actor, name=f"actor {name}")
                health.running(name)
                if first:
                    task_status.started()
                    first = False
        except Exception as group_error:
            if first:
                raise
            exc = _root_cause(group_error)
            crashes = 1 if anyio.current_time() - began >= policy.stable_after else crashes + 1
            health.crashed(name, exc)
            delay = policy.delay(crashes)
            log.error(
                "actor crashed; restarting",
                extra={"actor": name, "restart_in_s": delay, "error": repr(exc)},
                exc_info=exc,
            )
            await anyio.sleep(delay)
            continue
        health.stopped(name)
        log.info("actor stopped", extra={"actor": name})
        return


def _root_cause(error: Exception) -> Exception:
    """The actor's own error, out of the task groups' wrapping."""
    while isinstance(error, ExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
