"""The surge's summary: the ratios and the issue's targets, met or missed, from the figures of a
bench/surge.py run (the upstream ceiling from the calls counted in that run)."""

from __future__ import annotations

from typing import Any

from bench.surge_measure import upstream_ceiling
from bench.surge_traffic import CT_CONCURRENCY, RB_CONCURRENCY, WIDE_IN_FLIGHT


def summarise(f: dict[str, Any]) -> dict[str, Any]:
    sizes = f["by_stored_returns"]
    first, last = sizes[0], sizes[-1]

    # Each HTTP request holds a connection: count commercetools by its requests, not the port's calls.
    def calls(s: dict[str, Any]) -> dict[str, float]:
        return s["calls_per_return"] | {"commercetools": s["calls_per_lifecycle_step"]["total_per_return"]}

    ceiling = upstream_ceiling(calls(first), CT_CONCURRENCY, RB_CONCURRENCY)
    wide = f["in_flight_64"]
    wide_ceiling = upstream_ceiling(calls(wide), WIDE_IN_FLIGHT, WIDE_IN_FLIGHT)
    steps = max(s["calls_per_lifecycle_step"]["total_per_return"] for s in sizes)
    cpu = max(s["daemon_cpu_ms_per_return_without_order_sync"] for s in sizes)
    intake_ratio = round(first["intake_accepted_per_s"] / f["bare_handler_accepted_per_s"], 3)
    e2e_ratio = round(first["end_to_end_returns_per_s"] / ceiling, 3) if ceiling else None
    cost_ratio = round(last["daemon_cpu_ms_per_return"] / first["daemon_cpu_ms_per_return"], 2)
    lag_p99 = max((s["sync_lag_s"]["p99"] or 0.0) for s in sizes)
    orders_lane_p99 = max((s["inbox_lag_by_lane_s"]["orders"]["p99"] or 0.0) for s in sizes)
    peak = max(s["peak_rss_mb"] for s in sizes)
    return {
        "upstream_ceiling_returns_per_s": ceiling,
        "intake_vs_bare": intake_ratio,
        "end_to_end_vs_ceiling": e2e_ratio,
        "cpu_per_return_last_vs_first_size": cost_ratio,
        "orders_lane_inbox_lag_p99_s": orders_lane_p99,
        "in_flight_64_ceiling_returns_per_s": wide_ceiling,
        "in_flight_64_end_to_end_vs_ceiling": (
            round(wide["end_to_end_returns_per_s"] / wide_ceiling, 3) if wide_ceiling else None
        ),
        "targets": {
            "commercetools_calls_per_return_at_most_8": steps <= 8,
            "cpu_per_return_at_most_25ms": cpu <= 25,
            "intake_at_least_half_of_bare": intake_ratio >= 0.5,
            "end_to_end_70pct_of_ceiling": e2e_ratio is not None and e2e_ratio >= 0.7,
            "end_to_end_200_per_s": first["end_to_end_returns_per_s"] >= 200,
            "no_return_lost_in_outage": f["outage"]["backflow"]["lost"] == 0,
            "sync_lag_p99_under_1s": lag_p99 < 1.0,
            "rss_under_250mb": peak < 250,
            "per_return_cost_flat_within_1_5x": cost_ratio <= 1.5,
        },
    }
