"""The chaos run's sizes (full, quick, short) and the faults it asks both simulators for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Each fault on its own route family, so that every kind is really exercised.
CT_FAULTS: list[dict[str, Any]] = [
    {"method": "*", "path": ".*", "latency": 0.005, "error_rate": 0.05, "error_status": 502},
    {"method": "GET", "path": "/orders", "error_rate": 0.04, "error_status": 503},
    {"method": "POST", "path": "/orders/", "drop_rate": 0.08},
    {"method": "POST", "path": "/payments/", "drop_rate": 0.1},
    {"method": "POST", "path": "/inventory/", "drop_rate": 0.1},
    {"method": "GET", "path": "/inventory", "hang_rate": 0.01},
]
CT_DOWN: list[dict[str, Any]] = [
    {"method": "*", "path": "^/(?!oauth)", "error_rate": 1.0, "error_status": 503}
]
REBOUND_FAULTS = {"rate_limit_rate": 0.05, "duplicate_rate": 0.2, "out_of_order_rate": 0.3}


@dataclass(frozen=True)
class Profile:
    orders: int
    returns: int
    kills: int
    seconds: float
    """How long the day is spread over (real seconds), so the kills land while work is in flight."""
    outage: float
    tick_hours: float
    db_down: float
    """How long the PostgreSQL server stays down when it is restarted half-way through the day."""


PROFILES = {
    "full": Profile(orders=600, returns=400, kills=32, seconds=150, outage=30, tick_hours=1, db_down=5),
    "quick": Profile(orders=200, returns=120, kills=10, seconds=45, outage=8, tick_hours=2, db_down=4),
    "short": Profile(orders=60, returns=30, kills=5, seconds=15, outage=3, tick_hours=4, db_down=2),
}
