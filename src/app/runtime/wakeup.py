"""Prompt wake-ups: a loop sleeps until nudged (new work) or its poll interval passes (the backstop)."""

from __future__ import annotations

from collections.abc import Iterable

import anyio


class Nudge:
    """An `anyio.Event` that re-arms: a nudge during the work is not lost, the next wait returns at once.

    A nudge may say what it is about: `work(kinds)` (rows of these outbox kinds were committed) or
    `room()` (an actor has room again: only a claim that was cut short by the limit needs repeating).
    A plain `nudge()` is about everything. `take()` hands the loop what was announced since it last
    looked, so the relay claims only for the actors that may have work.
    """

    def __init__(self) -> None:
        self._event = anyio.Event()
        self._followers: list[Nudge] = []
        self._everything = False
        self._kinds: set[str] = set()

    def nudge(self) -> None:
        self._everything = True
        self._event.set()
        for follower in self._followers:
            follower.nudge()

    def work(self, kinds: Iterable[str] | None) -> None:
        """Rows of these outbox kinds were committed (None: of kinds not known, so any)."""
        if kinds is None:
            self.nudge()
            return
        announced = frozenset(kinds)  # read once: followers get the same kinds
        self._kinds.update(announced)
        self._event.set()
        for follower in self._followers:
            follower.work(announced)

    def room(self) -> None:
        self._event.set()
        for follower in self._followers:
            follower.room()

    def take(self) -> tuple[bool, frozenset[str]]:
        """(everything announced?, the kinds announced) since the last `take`; both reset."""
        announced = (self._everything, frozenset(self._kinds))
        self._everything = False
        self._kinds.clear()
        return announced

    def follower(self) -> Nudge:
        """A nudge for a second loop, nudged with this one (each loop re-arms only its own)."""
        follower = Nudge()
        self._followers.append(follower)
        return follower

    async def wait(self, seconds: float) -> bool:
        """Until nudged (True) or `seconds` passed (False)."""
        with anyio.move_on_after(seconds) as timer:
            await self._event.wait()
        # Re-arm before the caller looks for work, so a nudge from now on wakes the next wait.
        self._event = anyio.Event()
        return not timer.cancelled_caught


class Lifecycle:
    """Shared by the loops of one daemon: `stopping` is set once, and wakes every registered loop."""

    def __init__(self) -> None:
        self.stopping = anyio.Event()
        self._nudges: list[Nudge] = []

    def nudge_for_loop(self) -> Nudge:
        nudge = Nudge()
        self._nudges.append(nudge)
        return nudge

    def stop(self) -> None:
        self.stopping.set()
        for nudge in self._nudges:
            nudge.nudge()

    @property
    def is_stopping(self) -> bool:
        return self.stopping.is_set()
