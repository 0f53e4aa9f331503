"""The store's figures as OpenTelemetry instruments, read on a timer and on each scrape.

Observable callbacks run inside the SDK's collection (synchronous, on the scrape's or the OTLP
exporter's thread), so they never touch the database: they read the last `StoreFigures` this module
cached. `run` refreshes that cache every `interval` seconds (what OTLP exports); `GET /metrics`
also refreshes it first, bounded by a short timeout, so a scrape sees current figures and a slow
database gives it the previous ones instead of a hung scrape.

Order-sync lag is a histogram of the orders synced since the process started: each refresh records
the lags of the orders synced after the previous one's newest (the store keeps each order's lag).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import anyio
from opentelemetry.metrics import CallbackOptions, Meter, Observation

from backflow.ports.clock import Clock
from backflow.ports.metrics import InboxFigure, OutboxFigure, StoreFigures, StoreFiguresReader
from backflow.ports.shadow import ShadowLog
from backflow.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)
LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class StoreMetrics:
    def __init__(
        self,
        meter: Meter,
        reader: StoreFiguresReader,
        unit_of_work: UnitOfWorkFactory,
        shadow_log: ShadowLog,
        clock: Clock,
        *,
        kinds: Iterable[str] = (),
        sources: Iterable[str] = (),
    ) -> None:
        # Every outbox kind and inbox source the daemon handles shows, at 0 when it has no rows,
        # so an alert on it has a series to read from the start.
        self._kinds, self._sources = sorted(kinds), sorted(sources)
        self._reader = reader
        self._unit_of_work = unit_of_work
        self._shadow_log = shadow_log
        self._synced_after: datetime = clock.now()
        self._lock = anyio.Lock()
        self.figures: StoreFigures | None = None
        self.liability: dict[str, int] = {}
        self.shadow_writes = 0
        self._lag = meter.create_histogram(
            "backflow.order_sync.lag",
            unit="s",
            description="From an order's change in commercetools to its sync to ReBound (since start).",
            explicit_bucket_boundaries_advisory=LAG_BUCKETS,
        )
        gauge, counter = meter.create_observable_gauge, meter.create_observable_counter
        gauge("backflow.outbox.rows", [self._outbox_rows], description="Outbox rows by kind and status.")
        gauge("backflow.outbox.leased", [self._leased], description="Outbox rows leased by a worker now.")
        gauge("backflow.dead_letters", [self._dead], description="Dead outbox rows by kind.")
        gauge(
            "backflow.outbox.oldest_due_age",
            [self._oldest_due],
            unit="s",
            description="How long the oldest claimable outbox row of each kind has waited.",
        )
        gauge("backflow.inbox.rows", [self._inbox_rows], description="Inbox rows pending or failed.")
        gauge(
            "backflow.inbox.oldest_pending_age",
            [self._inbox_age],
            unit="s",
            description="How long the oldest pending inbox row of each source has waited.",
        )
        gauge(
            "backflow.exceptions.open",
            [self._exceptions],
            description="Unresolved exceptions by owner, type and age bucket since first seen.",
        )
        gauge(
            "backflow.pending_credit.liability_minor",
            [self._liability],
            description="Posted, unreleased store credit per currency, in minor units.",
        )
        gauge("backflow.order_sync.orders", [self._sync_orders], description="Orders by order-sync status.")
        counter(
            "backflow.order_sync.resyncs_skipped",
            [self._resyncs_skipped],
            description="Newer order versions not sent: ReBound already had the sales order they map to.",
        )
        counter("backflow.refunds.issued", [self._refund_count], description="Refunds recorded.")
        counter(
            "backflow.refunds.issued_amount_minor",
            [self._refund_amount],
            description="Amount refunded per currency, in minor units.",
        )
        counter("backflow.restocked.units", [self._restocked], description="Units put back on stock.")
        counter(
            "backflow.shadow.writes", [self._shadow], description="Writes recorded instead of sent (shadow)."
        )

    async def run(self, interval: float, within: float) -> None:
        """Refresh forever; a failed or slow reading is logged and the previous one kept."""
        while True:
            await self.refresh(within)
            await anyio.sleep(interval)

    async def refresh(self, within: float) -> bool:
        """One reading within `within` seconds; False (and the cache unchanged) if it failed or was slow."""
        with anyio.move_on_after(within):
            async with self._lock:  # one reading at a time, so no synced order's lag is recorded twice
                try:
                    await self._read()
                except Exception:
                    log.warning(
                        "metrics: reading the store failed; keeping the previous figures", exc_info=True
                    )
                    return False
                return True
        log.warning("metrics: reading the store took over %.1f s; keeping the previous figures", within)
        return False

    async def _read(self) -> None:
        figures = await self._reader.figures(synced_after=self._synced_after)
        async with self._unit_of_work() as uow:
            liability = await uow.credits.outstanding()
        shadow_writes = await self._shadow_log.count()
        for lag in figures.sync_lags:
            self._lag.record(lag)
        if figures.last_synced_at is not None:
            self._synced_after = figures.last_synced_at
        self.figures, self.liability, self.shadow_writes = figures, liability, shadow_writes

    # ---------------------------------------------------------------- callbacks (cache only)
    def _outbox(self) -> list[OutboxFigure]:
        found = {f.kind: f for f in self.figures.outbox} if self.figures else {}
        empty = [
            OutboxFigure(kind=k, pending=0, leased=0, dead=0, oldest_due_age_seconds=None)
            for k in self._kinds
        ]
        return sorted({**{f.kind: f for f in empty}, **found}.values(), key=lambda f: f.kind)

    def _inbox(self) -> list[InboxFigure]:
        found = {f.source: f for f in self.figures.inbox} if self.figures else {}
        empty = [
            InboxFigure(source=s, pending=0, failed=0, oldest_pending_age_seconds=None) for s in self._sources
        ]
        return sorted({**{f.source: f for f in empty}, **found}.values(), key=lambda f: f.source)

    def _outbox_rows(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self._outbox():
            yield Observation(f.pending, {"kind": f.kind, "status": "pending"})
            yield Observation(f.leased, {"kind": f.kind, "status": "leased"})
            yield Observation(f.dead, {"kind": f.kind, "status": "dead"})

    def _leased(self, _: CallbackOptions) -> Iterable[Observation]:
        yield Observation(sum(f.leased for f in self.figures.outbox) if self.figures else 0)

    def _dead(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self._outbox():
            yield Observation(f.dead, {"kind": f.kind})

    def _oldest_due(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self._outbox():
            yield Observation(f.oldest_due_age_seconds or 0.0, {"kind": f.kind})

    def _inbox_rows(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self._inbox():
            yield Observation(f.pending, {"source": f.source, "status": "pending"})
            yield Observation(f.failed, {"source": f.source, "status": "failed"})

    def _inbox_age(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self._inbox():
            yield Observation(f.oldest_pending_age_seconds or 0.0, {"source": f.source})

    def _exceptions(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self.figures.exceptions if self.figures else ():
            yield Observation(f.count, {"owner": f.owner, "type": f.type, "age": f.age})

    def _liability(self, _: CallbackOptions) -> Iterable[Observation]:
        # A currency refunded in shows its liability, 0 when no credit is pending in it.
        refunded = {f.currency: 0 for f in self.figures.refunds} if self.figures else {}
        for currency, amount in sorted((refunded | self.liability).items()):
            yield Observation(amount, {"currency": currency})

    def _sync_orders(self, _: CallbackOptions) -> Iterable[Observation]:
        for status, count in sorted(self.figures.order_sync.items()) if self.figures else ():
            yield Observation(count, {"status": status})

    def _resyncs_skipped(self, _: CallbackOptions) -> Iterable[Observation]:
        if self.figures is not None:
            yield Observation(self.figures.resyncs_skipped)

    def _refund_count(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self.figures.refunds if self.figures else ():
            yield Observation(f.count, {"currency": f.currency})

    def _refund_amount(self, _: CallbackOptions) -> Iterable[Observation]:
        for f in self.figures.refunds if self.figures else ():
            yield Observation(f.amount_minor, {"currency": f.currency})

    def _restocked(self, _: CallbackOptions) -> Iterable[Observation]:
        if self.figures is not None:
            yield Observation(self.figures.restocked_units)

    def _shadow(self, _: CallbackOptions) -> Iterable[Observation]:
        yield Observation(self.shadow_writes)
