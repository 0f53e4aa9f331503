"""What a busy day is asked to be (`DayPlan`) and what happened on it (`DayLog`, `Outage`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DayPlan:
    orders: int = 2000
    returns: int = 600
    seed: int = 7
    drive_seconds: float = 45.0
    """Real seconds over which the simulated fortnight of hub events is delivered."""
    checkout_rate: float = 50.0
    """The most orders placed per second while the daemon runs (the surge's rate): live checkout
    traffic, not a backlog, so the sync lag printed is what a customer waits for."""
    outage_seconds: float = 5.0
    unknown_order_rate: float = 0.03
    over_return_rate: float = 0.01
    wrong_refund_rate: float = 0.05
    odd_reason_rate: float = 0.12
    duplicate_rate: float = 0.1
    out_of_order_rate: float = 0.3

    @property
    def late_orders(self) -> int:
        return max(3, self.orders // 100)

    def return_faults(self) -> dict[str, float]:
        """The design's failure cases, as ReBound's simulator knobs."""
        return {
            "unknown_order_rate": self.unknown_order_rate,
            "over_return_rate": self.over_return_rate,
            "wrong_refund_rate": self.wrong_refund_rate,
            "odd_reason_rate": self.odd_reason_rate,
            "duplicate_rate": self.duplicate_rate,
            "out_of_order_rate": self.out_of_order_rate,
        }


@dataclass
class Outage:
    planned_seconds: float
    started: float = 0.0
    ended: float = 0.0
    ct_errors_before: int = 0
    ct_errors_after: int = 0
    peak_retrying: int = 0
    recovered_after: float | None = None
    """Seconds from the end of the outage until no outbox row was waiting to retry."""


@dataclass
class DayLog:
    late_order_numbers: list[str] = field(default_factory=list)
    seeded_orders: int = 0
    checkout_rates: list[float] = field(default_factory=list)
    """Orders per second of each live checkout feed, in order."""
    outage: Outage | None = None
    ticks: int = 0
    """Steps of ReBound's simulated clock (each followed by a round of webhook deliveries)."""
