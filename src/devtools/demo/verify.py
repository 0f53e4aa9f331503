"""The summary's figures checked against commercetools itself (the simulator's state), not Backflow's
own records: every refund transaction once per interactionId, stock up by exactly what was restocked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from backflow.devtools.busy_day.catalog import STOCK_PER_ENTRY
from backflow.devtools.demo.summary import Figures


@dataclass(frozen=True)
class InCommercetools:
    refund_transactions: int
    refunded_minor: dict[str, int]
    repeated_interactions: list[str]
    """interactionIds carried by more than one Refund transaction (money moved twice)."""
    units_added: int
    """quantityOnStock above the seeded level, summed over every inventory entry."""

    def agrees_with(self, figures: Figures) -> list[str]:
        """What differs between Backflow's account of the day and commercetools' state."""
        problems = []
        if self.repeated_interactions:
            problems.append(f"refunds applied twice: {self.repeated_interactions[:5]}")
        if self.refund_transactions != len(figures.refund_interactions):
            problems.append(
                f"{self.refund_transactions} refund transactions in commercetools, "
                f"{len(figures.refund_interactions)} card refunds reported"
            )
        reported = {c: m for c, m in figures.refunded_minor.items() if m}
        if self.refunded_minor != reported:
            problems.append(
                f"refunded per currency: commercetools {self.refunded_minor}, reported {reported}"
            )
        restocked = sum(figures.restocked_units.values())
        if self.units_added != restocked:
            problems.append(f"stock up by {self.units_added} units in commercetools, {restocked} reported")
        return problems


def read_commercetools(state: dict[str, Any], prefix: str = "backflow-refund:") -> InCommercetools:
    """From the simulator's `GET /_sim/state`: Backflow's refunds (by their interactionId prefix)."""
    resources = state["resources"]
    seen: Counter[str] = Counter()
    refunded: Counter[str] = Counter()
    for payment in resources.get("payment", []):
        for transaction in payment["transactions"]:
            interaction = transaction.get("interactionId") or ""
            if transaction["type"] == "Refund" and interaction.startswith(prefix):
                seen[interaction] += 1
                amount = transaction["amount"]
                refunded[amount["currencyCode"]] += amount["centAmount"]
    added = sum(entry["quantityOnStock"] - STOCK_PER_ENTRY for entry in resources.get("inventory-entry", []))
    return InCommercetools(
        refund_transactions=sum(seen.values()),
        refunded_minor=dict(refunded),
        repeated_interactions=sorted(i for i, n in seen.items() if n > 1),
        units_added=added,
    )
