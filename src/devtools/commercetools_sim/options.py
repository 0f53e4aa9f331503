"""What a simulator run is configured with (all defaults suit tests and the demo)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from backflow.devtools.commercetools_sim.faults import FaultRule

DEFAULT_SCOPES = (
    "manage_orders",
    "view_orders",
    "manage_payments",
    "view_payments",
    "manage_products",
    "view_products",
    "view_messages",
    "manage_types",
    "view_types",
    "manage_subscriptions",
)


@dataclass(kw_only=True)
class SimulatorOptions:
    project_key: str = "backflow-sim"
    client_id: str = "sim-client"
    client_secret: str = field(default="sim-secret", repr=False)
    granted_scopes: tuple[str, ...] = DEFAULT_SCOPES
    """Permissions the API client holds (without the `:{projectKey}` suffix)."""
    token_ttl: int = 172800
    strict_return_transitions: bool = True
    """Enforce the July 2026 rule: setReturnShipmentState only Returned → BackInStock/Unusable."""
    lenient_import: bool = False
    """Accept computed figures (line totalPrice/taxedPrice/discountedPricePerQuantity, order
    discountOnTotalPrice) in `/orders/import`, which commercetools' OrderImportDraft refuses."""
    seed: int = 1
    faults: list[FaultRule] = field(default_factory=list)
    push_url: str | None = None
    push_format: Literal["Platform", "CloudEvents"] = "Platform"
    push_types: tuple[str, ...] = ()
    """The subscription's `messages[].types`: only these message types are pushed; empty pushes every
    type (a subscription whose `messages` entry names no `types`)."""
    push_subscription: str = "projects/backflow-sim/subscriptions/commercetools"
    push_max_attempts: int = 20
    push_retry_delay: float = 0.2
    push_concurrency: int = 16
    """Push requests outstanding at once (Pub/Sub keeps many in flight and adapts the rate to the
    answers); one resource's messages still go one at a time, in creation order."""
