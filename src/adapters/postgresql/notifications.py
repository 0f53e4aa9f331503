"""Wake-ups through LISTEN/NOTIFY: the store notifies at commit, any replica may listen.

Writes that make work (an inbox event stored, outbox rows appended) send `pg_notify` inside their
transaction, so a listener hears of them only once they are committed. A notification is a hint,
never the work itself: it can be lost with a connection, so pollers stay the backstop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio
from psycopg import AsyncConnection, sql

INBOX_CHANNEL = "backflow_inbox"
OUTBOX_CHANNEL = "backflow_outbox"


@asynccontextmanager
async def listen(
    dsn: str, channels: Sequence[str], *, connect_timeout: float = 30.0
) -> AsyncIterator[AsyncIterator[str]]:
    """A dedicated connection LISTENing on `channels`; iterate for the channel of each notification."""
    # libpq's connect_timeout is whole seconds, at least 2 (as the pool's).
    conn = await AsyncConnection.connect(dsn, autocommit=True, connect_timeout=max(round(connect_timeout), 2))
    try:
        for channel in channels:
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

        async def channels_heard() -> AsyncIterator[str]:
            async for notification in conn.notifies():
                yield notification.channel

        yield channels_heard()
    finally:
        with anyio.CancelScope(shield=True):  # a stop cancels the listener: still close the connection
            await conn.close()
