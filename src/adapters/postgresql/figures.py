"""PostgresFigures: the metrics' one read of the store."""

from __future__ import annotations

from datetime import datetime

from backflow.adapters.postgresql.codec import dt
from backflow.adapters.postgresql.database import Database
from backflow.adapters.postgresql.sql import q
from backflow.ports.clock import Clock
from backflow.ports.metrics import ExceptionFigure, InboxFigure, MoneyFigure, OutboxFigure, StoreFigures


class PostgresFigures:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def figures(self, *, synced_after: datetime) -> StoreFigures:
        now = self._clock.now()
        read = self._db.fetchall
        lags = await read(q("figures_sync_lags"), {"after": synced_after})
        restocked = await self._db.fetchone(q("figures_restocked"), {})

        def age(at: datetime | None) -> float | None:
            return None if at is None else max((now - dt(at)).total_seconds(), 0.0)

        return StoreFigures(
            outbox=[
                OutboxFigure(
                    kind=r["kind"],
                    pending=r["pending"],
                    leased=r["leased"],
                    dead=r["dead"],
                    oldest_due_age_seconds=age(r["due"]),
                )
                for r in await read(q("figures_outbox"), {"now": now})
            ],
            inbox=[
                InboxFigure(
                    source=r["source"],
                    pending=r["pending"],
                    failed=r["failed"],
                    oldest_pending_age_seconds=age(r["oldest"]),
                )
                for r in await read(q("figures_inbox"), {})
            ],
            exceptions=[
                ExceptionFigure(owner=r["owner"], type=r["type"], age=r["age"], count=r["count"])
                for r in await read(q("figures_exceptions"), {"now": now})
            ],
            refunds=[
                MoneyFigure(currency=r["currency"], count=r["count"], amount_minor=int(r["amount_minor"]))
                for r in await read(q("figures_refunds"), {})
            ],
            restocked_units=0 if restocked is None else int(restocked["units"]),
            order_sync={r["status"]: r["count"] for r in await read(q("figures_order_sync"), {})},
            sync_lags=[float(r["lag_seconds"]) for r in lags],
            last_synced_at=dt(lags[-1]["last_synced_at"]) if lags else None,
        )
