"""Wake-ups from other replicas: work committed anywhere nudges this daemon's relay and inbox loop.

The store announces committed work (PostgreSQL: LISTEN/NOTIFY); this listener turns each notice
into a nudge of the loop that picks that work up. A notice is only a hint: a lost connection makes
the supervisor restart the listener, and the loops' polling stays the backstop meanwhile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager

import anyio
from anyio.abc import TaskStatus

from backflow.app.runtime.supervisor import ActorFn
from backflow.app.runtime.wakeup import Nudge

OpenNotices = Callable[[], AbstractAsyncContextManager[AsyncIterator[str]]]
"""Opens a subscription; iterating it yields the name of each notice's channel as it arrives."""


def listen_for_work(open_notices: OpenNotices, nudges: Mapping[str, Nudge]) -> ActorFn:
    """An actor that nudges `nudges[channel]` for each notice heard (unknown channels are ignored)."""

    async def listener(*, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        async with open_notices() as notices:
            # Whatever was committed while nobody listened (a start, a reconnect) is looked for now.
            for nudge in nudges.values():
                nudge.nudge()
            task_status.started()
            async for channel in notices:
                if (heard := nudges.get(channel)) is not None:
                    heard.nudge()

    return listener
