"""SqliteFigures: the metrics' one read of the store, on the reader pool (never the writer)."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.sqlite.codec import dt, ts
from backflow.adapters.sqlite.readers import ReaderPool
from backflow.adapters.sqlite.sql import q
from backflow.ports.clock import Clock
from backflow.ports.metrics import ExceptionFigure, InboxFigure, MoneyFigure, OutboxFigure, StoreFigures


class SqliteFigures:
    def __init__(self, readers: ReaderPool, clock: Clock) -> None:
        self._readers = readers
        self._clock = clock

    async def figures(self, *, synced_after: datetime) -> StoreFigures:
        now = ts(self._clock.now())
        read = self._readers.fetchall
        lags = await read(q("figures_sync_lags"), {"after": ts(synced_after)})
        restocked = await self._readers.fetchone(q("figures_restocked"), {})
        return StoreFigures(
            outbox=[
                OutboxFigure(
                    kind=r["kind"],
                    pending=r["pending"],
                    leased=r["leased"],
                    dead=r["dead"],
                    oldest_due_age_seconds=None if r["due"] is None else max(now - r["due"], 0.0),
                )
                for r in await read(q("figures_outbox"), {"now": now})
            ],
            inbox=[
                InboxFigure(
                    source=r["source"],
                    pending=r["pending"],
                    failed=r["failed"],
                    oldest_pending_age_seconds=None if r["oldest"] is None else max(now - r["oldest"], 0.0),
                )
                for r in await read(q("figures_inbox"), {})
            ],
            exceptions=[
                ExceptionFigure(owner=r["owner"], type=r["type"], age=r["age"], count=r["count"])
                for r in await read(q("figures_exceptions"), {"now": now})
            ],
            refunds=[
                MoneyFigure(currency=r["currency"], count=r["count"], amount_minor=r["amount_minor"])
                for r in await read(q("figures_refunds"), {})
            ],
            restocked_units=0 if restocked is None else int(restocked["units"]),
            order_sync={r["status"]: r["count"] for r in await read(q("figures_order_sync"), {})},
            sync_lags=[float(r["lag_seconds"]) for r in lags],
            last_synced_at=dt(lags[-1]["last_synced_at"]) if lags else None,
        )
