"""Domain commands: what Backflow is asked to do, in the imperative. Frozen, tagged msgspec Structs."""

from __future__ import annotations

import msgspec

from backflow.domain.order import Order


class Command(msgspec.Struct, frozen=True, kw_only=True, tag=True, tag_field="type"):
    pass


class SyncOrder(Command, frozen=True, kw_only=True):
    """Upsert a commercetools order into ReBound (after a message, a push or the catch-up sweep)."""

    order_id: str
    version: int | None = None
    order: Order | None = None
    """The order as an OrderCreated/OrderImported message carried it: synced without reading it again."""


class AnchorReturn(Command, frozen=True, kw_only=True):
    """Look up the return's order again (held while the order was not there yet)."""

    return_id: str
    client_order_id: str


class IssueRefund(Command, frozen=True, kw_only=True):
    """Recompute and pay the refund ReBound triggered at `sequence`."""

    return_id: str
    sequence: int


class RestockItems(Command, frozen=True, kw_only=True):
    """Apply the stock movements of a graded return, each exactly once."""

    return_id: str
    rebound_item_ids: tuple[str, ...]
