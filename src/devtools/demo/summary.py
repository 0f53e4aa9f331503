"""The end-of-day summary, from the daemon's admin API only: what a finance or operations lead asks."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import anyio

from backflow.devtools.busy_day.plan import DayLog
from backflow.devtools.stack.http import JsonApi
from backflow.domain.currencies import currency_digits

FETCH_CONCURRENCY = 8


@dataclass
class Figures:
    """Everything the summary prints, kept as numbers so tests can check them against the simulators."""

    orders_synced: int = 0
    orders_failing: int = 0
    lag_p50: float | None = None
    lag_p95: float | None = None
    lag_max: float | None = None
    resyncs_skipped: int = 0
    """Newer order versions (Backflow's own writes) not sent: ReBound had the same sales order."""
    returns: int = 0
    by_state: Counter[str] = field(default_factory=Counter)
    by_rebound_status: Counter[str] = field(default_factory=Counter)
    refunds: Counter[str] = field(default_factory=Counter)
    """Recorded refunds per currency (count)."""
    refunded_minor: Counter[str] = field(default_factory=Counter)
    store_credit_minor: Counter[str] = field(default_factory=Counter)
    refund_interactions: set[str] = field(default_factory=set)
    pending_credit_minor: dict[str, int] = field(default_factory=dict)
    restocked_units: Counter[str] = field(default_factory=Counter)
    """Units per channel role: `sellable` or `outlet`."""
    restocked_skus: set[str] = field(default_factory=set)
    restock_markers: set[str] = field(default_factory=set)
    exceptions: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(owner, type) → count, every state."""
    exceptions_open: int = 0
    ignored_events: int = 0
    """Stale or backward events recorded and ignored (out-of-order delivery)."""
    shadow_writes: int = 0
    anchored_orders: set[str] = field(default_factory=set)
    """Order numbers with at least one return anchored to them."""


async def collect(admin: JsonApi, return_ids: list[str], supply_channel: str) -> Figures:
    figures = Figures()
    overview = await admin.get("/api/overview")
    sync = overview["order_sync"]
    figures.orders_synced, figures.orders_failing = sync["synced"], sync["failing"]
    figures.lag_p50, figures.lag_p95, figures.lag_max = (
        sync.get("lag_p50_seconds"),
        sync["lag_p95_seconds"],
        sync["lag_max_seconds"],
    )
    figures.resyncs_skipped = sync.get("resyncs_skipped", 0)
    figures.pending_credit_minor = {c["currency"]: c["amount_minor"] for c in overview["pending_credit"]}
    figures.shadow_writes = overview["shadow"]["writes"]
    found = await admin.get("/api/exceptions?state=any&limit=1000")
    for item in found["items"]:
        figures.exceptions[(item["owner"], item["type"])] += 1
        figures.exceptions_open += item["state"] != "resolved"
    details: list[dict[str, Any]] = []
    limiter = anyio.Semaphore(FETCH_CONCURRENCY)

    async def fetch(return_id: str) -> None:
        async with limiter:
            reply = await admin.call("GET", f"/api/returns/{return_id}", expect=(200, 404))
        if "case" in reply:
            details.append(reply)

    async with anyio.create_task_group() as tg:
        for return_id in return_ids:
            tg.start_soon(fetch, return_id)
    for detail in details:
        _add_return(figures, detail, supply_channel)
    return figures


def _add_return(figures: Figures, detail: dict[str, Any], supply_channel: str) -> None:
    figures.returns += 1
    case = detail["case"]
    figures.by_state[case["state"]] += 1
    if case["ct_order_id"] and case["state"] != "AWAITING_ORDER":
        figures.anchored_orders.add(case["client_order_id"])
    stored = detail.get("snapshot") or {}
    figures.by_rebound_status[(stored.get("case") or {}).get("rebound_status") or "unknown"] += 1
    for refund in detail["refunds"]:
        if refund["state"] != "recorded":
            continue
        currency = refund["currency"]
        figures.refunds[currency] += 1
        if refund["outcome"] == "original-payment":
            figures.refunded_minor[currency] += refund["amount_minor"]
            figures.refund_interactions.add(refund["interaction_id"])
        else:
            figures.store_credit_minor[currency] += refund["amount_minor"]
    for move in detail["stock_movements"]:
        if move["state"] != "applied":
            continue
        role = "sellable" if move["supply_channel"] == supply_channel else "outlet"
        figures.restocked_units[role] += move["quantity"]
        figures.restocked_skus.add(move["sku"])
        figures.restock_markers.add(move["marker"])
    figures.ignored_events += sum(1 for e in detail["timeline"] if e["outcome"] in ("stale", "ignored"))


def money(minor: int, currency: str) -> str:
    digits = currency_digits(currency)
    if digits == 0:
        return f"{minor:,} {currency}"
    sign, minor = ("-" if minor < 0 else ""), abs(minor)
    return f"{sign}{minor // 10**digits:,}.{minor % 10**digits:0{digits}d} {currency}"


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2f}s" if value < 1 else f"{value:.1f}s"  # sub-second lags: 0.0s said nothing


def _amounts(per_currency: dict[str, int]) -> str:
    shown = [money(amount, currency) for currency, amount in sorted(per_currency.items()) if amount]
    return ", ".join(shown) or "none"


@dataclass(frozen=True)
class Deliveries:
    events: int
    attempts: int
    duplicates_answered: int
    """Deliveries the daemon recognised as already stored (HTTP 200 instead of 202)."""


def render(
    figures: Figures,
    log: DayLog,
    deliveries: Deliveries,
    *,
    checked: list[str],
    settled: bool,
    elapsed: float,
) -> str:
    f = figures
    lines = ["", "=" * 72, "Backflow demo: the busy day in figures", "=" * 72]
    lines.append(
        f"Orders     {f.orders_synced:,} synced to ReBound ({log.seeded_orders:,} placed); "
        f"sync lag p50 {_seconds(f.lag_p50)}, p95 {_seconds(f.lag_p95)}, max {_seconds(f.lag_max)}"
        + (f"; {f.orders_failing} still failing" if f.orders_failing else "")
    )
    if log.checkout_rates:
        rates = " then ".join(f"{rate:.3g}" for rate in log.checkout_rates)
        lines.append(
            f"           placed as live checkouts at {rates} orders/s while Backflow ran (none during "
            "the outage): the lag is a new order's wait for the returns portal"
        )
    lines.append(
        f"           {f.resyncs_skipped:,} newer versions made by Backflow's own writes recorded without "
        "a re-sync: ReBound already had the same order"
    )
    late = len(set(log.late_order_numbers) & f.anchored_orders)
    lines.append(
        f"           {len(log.late_order_numbers)} orders reached commercetools after their return was "
        f"booked: held, then {late} anchored once order sync saw them"
    )
    lines.append(f"Returns    {f.returns:,} received from ReBound")
    lines.append("  by Backflow state: " + ", ".join(f"{s.lower()} {n}" for s, n in f.by_state.most_common()))
    lines.append(
        "  by ReBound status: " + ", ".join(f"{s.lower()} {n}" for s, n in f.by_rebound_status.most_common())
    )
    lines.append(
        f"Webhooks   {deliveries.events:,} events, {deliveries.attempts:,} deliveries; "
        f"{deliveries.duplicates_answered} duplicates recognised; {f.ignored_events} out-of-order or "
        "stale events recorded and ignored"
    )
    lines.append(
        f"Refunds    {sum(f.refunds.values()):,} issued: {_amounts(dict(f.refunded_minor))} to cards"
    )
    if any(f.store_credit_minor.values()):
        lines.append(f"           store credit: {_amounts(dict(f.store_credit_minor))}")
    lines.append(f"Liability  pending credit not yet refunded: {_amounts(f.pending_credit_minor)}")
    lines.append(
        f"Stock      {f.restocked_units['sellable']:,} units back on sale "
        f"across {len(f.restocked_skus)} SKUs; "
        f"{f.restocked_units['outlet']:,} units to the outlet channel"
    )
    by_owner: dict[str, list[str]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for (owner, kind), count in sorted(f.exceptions.items()):
        by_owner[owner].append(f"{kind} {count}")
        totals[owner] += count
    lines.append(f"Exceptions {sum(totals.values())} raised, {f.exceptions_open} still open, by owner:")
    for owner in sorted(by_owner):
        lines.append(f"  {owner:<14}{totals[owner]:>4}  ({', '.join(by_owner[owner])})")
    if log.outage is not None:
        o = log.outage
        recovered = (
            "still retrying at the end"
            if o.recovered_after is None
            else f"retries drained {o.recovered_after:.1f}s after it ended"
        )
        lines.append(
            f"Outage     commercetools answered 503 to everything for {o.ended - o.started:.1f}s: "
            f"{o.ct_errors_after - o.ct_errors_before} failed calls, up to {o.peak_retrying} jobs waiting "
            f"to retry; {recovered}"
        )
    lines.extend(checked)
    status = "settled (nothing queued)" if settled else "time budget reached with work still queued"
    lines.append(f"Finished   {status} in {elapsed:.1f}s")
    lines.append("=" * 72)
    return "\n".join(lines)
