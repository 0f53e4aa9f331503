"""Prompt wake-ups: a loop sleeps until nudged (new work) or its poll interval passes (the backstop)."""

from __future__ import annotations

import anyio


class Nudge:
    """An `anyio.Event` that re-arms: a nudge during the work is not lost, the next wait returns at once."""

    def __init__(self) -> None:
        self._event = anyio.Event()
        self._followers: list[Nudge] = []

    def nudge(self) -> None:
        self._event.set()
        for follower in self._followers:
            follower.nudge()

    def follower(self) -> Nudge:
        """A nudge for a second loop, nudged with this one (each loop re-arms only its own)."""
        follower = Nudge()
        self._followers.append(follower)
        return follower

    async def wait(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._event.wait()
        # Re-arm before the caller looks for work, so a nudge from now on wakes the next wait.
        self._event = anyio.Event()


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
