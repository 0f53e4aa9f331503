"""Read-modify-write with `version`: re-read on 409, re-check that the change is still needed, re-apply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from backflow.ports.errors import ConflictError, TransientError


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


R = TypeVar("R", bound=Versioned)
Actions = list[dict[str, Any]]


async def update_versioned(
    read: Callable[[], Awaitable[R]],
    plan: Callable[[R], Actions | None],
    send: Callable[[int, Actions], Awaitable[R]],
    *,
    attempts: int,
    current: R | None = None,
) -> R:
    """Apply `plan(current)` until it says nothing is left to do (None or []); bounded by `attempts`.

    `plan` sees the freshly read resource each round, so a change that a lost response already
    applied is recognised and not applied twice. A transient failure of the write (timeout, reset,
    502/503 after the HTTP client's own retries) is treated like a conflict: re-read, re-plan.

    `current`: the resource as a response just returned it; its version saves the first read (when it
    is stale the write gets a 409 and the loop re-reads, so nothing is applied on old facts).
    """
    resource = current if current is not None else await read()
    for round_ in range(1, attempts + 1):
        actions = plan(resource)
        if not actions:
            return resource
        try:
            return await send(resource.version, actions)
        except (ConflictError, TransientError):
            if round_ == attempts:
                raise
            resource = await read()
    raise AssertionError("unreachable")  # the loop returns or raises


def update_body(version: int, actions: Actions) -> dict[str, Any]:
    return {"version": version, "actions": actions}
