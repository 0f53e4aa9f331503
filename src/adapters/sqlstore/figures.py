"""The metrics' one read of the store, on the reader (never the SQLite writer)."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.sqlstore.dialect import Reader, Reads
from backflow.ports.clock import Clock
from backflow.ports.metrics import ExceptionFigure, InboxFigure, MoneyFigure, OutboxFigure, StoreFigures


class Figures(Reads):
    def __init__(self, reader: Reader, clock: Clock) -> None:
        super().__init__(reader)
        self._clock = clock

    async def figures(self, *, synced_after: datetime) -> StoreFigures:
        d = self.dialect
        now = self._clock.now()
        read = self._all
        lags = await read("figures_sync_lags", {"after": d.ts(synced_after)})
        restocked = await self._one("figures_restocked", {})
        skipped = await self._one("figures_resyncs_skipped", {})

        def age(at: object) -> float | None:
            return None if at is None else max((now - d.dt(at)).total_seconds(), 0.0)

        return StoreFigures(
            outbox=[
                OutboxFigure(
                    kind=r["kind"],
                    pending=r["pending"],
                    leased=r["leased"],
                    dead=r["dead"],
                    oldest_due_age_seconds=age(r["due"]),
                )
                for r in await read("figures_outbox", {"now": d.ts(now)})
            ],
            inbox=[
                InboxFigure(
                    source=r["source"],
                    pending=r["pending"],
                    failed=r["failed"],
                    oldest_pending_age_seconds=age(r["oldest"]),
                )
                for r in await read("figures_inbox", {})
            ],
            exceptions=[
                ExceptionFigure(owner=r["owner"], type=r["type"], age=r["age"], count=r["count"])
                for r in await read("figures_exceptions", {"now": d.ts(now)})
            ],
            refunds=[
                MoneyFigure(currency=r["currency"], count=r["count"], amount_minor=int(r["amount_minor"]))
                for r in await read("figures_refunds", {})
            ],
            restocked_units=0 if restocked is None else int(restocked["units"]),
            order_sync={r["status"]: r["count"] for r in await read("figures_order_sync", {})},
            sync_lags=[float(r["lag_seconds"]) for r in lags],
            last_synced_at=d.dt(lags[-1]["last_synced_at"]) if lags else None,
            resyncs_skipped=0 if skipped is None else int(skipped["skipped"]),
        )
