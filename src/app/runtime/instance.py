"""Which daemon works on this database: the active one holds the instance lease, others stand by.

A standby answers `/healthz`, reports `/readyz` not ready (saying who holds the lease until when),
stores webhooks (the inbox is the shared database; the active instance processes them) and runs
nothing else: no actors, no jobs. It tries again when the holder's lease ends, so it takes over
within one lease period of the active one dying. The active one renews at half the period; if a
renewal finds the lease gone (it was paused past its end and a standby took over), it stops at once.
On PostgreSQL there is no lease (`lease=None`): replicas share the work, each is active.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import anyio

from backflow.ports.clock import Clock
from backflow.ports.instance_lease import InstanceLease, LeaseLostError, LeaseState

log = logging.getLogger(__name__)
RETRY_AFTER_EXPIRY = 0.05
"""Tried again this long after the holder's lease ends (clocks of one host agree this well)."""


class Role(StrEnum):
    STARTING = "starting"
    ACTIVE = "active"
    STANDBY = "standby"
    SHARED = "shared"
    """PostgreSQL: no lease, every replica works."""
    LOST = "lost"


@dataclass
class InstanceStatus:
    instance: str
    role: Role = Role.STARTING
    holder: str | None = None
    until: datetime | None = None
    term: int | None = None
    since: datetime | None = None

    def not_ready_reason(self) -> str | None:
        if self.role is Role.STANDBY:
            until = f"{self.until:%Y-%m-%dT%H:%M:%SZ}" if self.until else "?"
            return f"standby: the lease is held by {self.holder} until {until}"
        if self.role is Role.LOST:
            return f"lease lost to {self.holder}: this instance stopped working"
        if self.role is Role.STARTING:
            return "starting: taking the instance lease"
        return None


class InstanceKeeper:
    def __init__(self, lease: InstanceLease | None, instance: str, seconds: float, clock: Clock) -> None:
        self._lease = lease
        self.seconds = seconds
        self._clock = clock
        self.status = InstanceStatus(instance, Role.SHARED if lease is None else Role.STARTING)

    @property
    def instance(self) -> str:
        return self.status.instance

    async def try_take(self) -> bool:
        """One attempt; True if this instance is (now) the one that works."""
        if self._lease is None:
            return True
        state = await self._lease.take(self.instance, self.seconds)
        self._note(state)
        return self.status.role is Role.ACTIVE

    async def wait_until_active(self, stopping: anyio.Event) -> bool:
        """Stand by until the lease is ours (True) or the daemon is stopped (False)."""
        waited = self._clock.monotonic()
        while not await self._attempt():
            delay = self.seconds / 4
            if self.status.until is not None:
                left = (self.status.until - self._clock.now()).total_seconds() + RETRY_AFTER_EXPIRY
                delay = max(RETRY_AFTER_EXPIRY, min(delay, left))
            with anyio.move_on_after(delay):
                await stopping.wait()
            if stopping.is_set():
                return False
        log.warning(
            "took over: this instance is now the active one",
            extra={
                "instance": self.instance,
                "term": self.status.term,
                "standby_s": round(self._clock.monotonic() - waited, 3),
            },
        )
        return True

    async def keep(self) -> None:
        """Renew at half the period until cancelled; raises LeaseLostError once another instance has it."""
        if self._lease is None:
            return
        deadline = self._clock.monotonic() + self.seconds
        while True:
            await anyio.sleep(self.seconds / 2)
            try:
                state = await self._lease.take(self.instance, self.seconds)
            except Exception as exc:  # the database hiccuped: try again until our own lease runs out
                if self._clock.monotonic() >= deadline:
                    self.status.role = Role.LOST
                    raise LeaseLostError(f"could not renew the instance lease in time: {exc}") from exc
                log.warning("renewing the instance lease failed; retrying", extra={"error": str(exc)})
                continue
            self._note(state)
            if self.status.role is not Role.ACTIVE:
                self.status.role = Role.LOST
                log.error("instance lease lost: stopping all work", extra={"holder": state.holder})
                raise LeaseLostError(f"the instance lease was taken over by {state.holder}")
            deadline = self._clock.monotonic() + self.seconds

    async def release(self) -> None:
        """A clean stop hands over at once instead of after the lease period."""
        if self._lease is not None and self.status.role is Role.ACTIVE:
            try:
                with anyio.move_on_after(5, shield=True):
                    await self._lease.release(self.instance)
            except Exception as exc:  # the store is already closed: the lease then simply lapses
                log.warning("could not release the instance lease", extra={"error": str(exc)})

    async def _attempt(self) -> bool:
        try:
            return await self.try_take()
        except Exception as exc:  # a standby keeps standing by while the database is busy
            log.warning("could not read the instance lease", extra={"error": str(exc)})
            return False

    def _note(self, state: LeaseState) -> None:
        was = (self.status.role, self.status.holder)
        ours = state.holder == self.instance
        if not ours and self.status.role is Role.ACTIVE:
            self.status.role = Role.LOST
        elif self.status.role is not Role.LOST:
            self.status.role = Role.ACTIVE if ours else Role.STANDBY
        self.status.holder, self.status.until, self.status.term = state.holder, state.until, state.term
        self.status.since = state.acquired_at
        if self.status.role is Role.STANDBY and was != (Role.STANDBY, state.holder):
            log.warning(
                "standby: another instance holds the lease; no work runs here until it ends",
                extra={"instance": self.instance, "holder": state.holder, "until": state.until.isoformat()},
            )
