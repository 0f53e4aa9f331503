"""Domain commands: what Backflow is asked to do, in the imperative. Frozen, tagged msgspec Structs."""

from __future__ import annotations

import msgspec


class Command(msgspec.Struct, frozen=True, kw_only=True, tag=True, tag_field="type"):
    pass


class SyncOrder(Command, frozen=True, kw_only=True):
    """Upsert a commercetools order into ReBound (after a message, a push or the catch-up sweep)."""

    order_id: str
    version: int | None = None


class RegisterReturn(Command, frozen=True, kw_only=True):
    """Process one stored ReBound event for a return (anchor it, follow its status)."""

    return_id: str
    event_id: str


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


class ResolveReturn(Command, frozen=True, kw_only=True):
    """Close a return by an operator's decision, with a note for the audit ledger."""

    return_id: str
    note: str


CommandMessage = SyncOrder | RegisterReturn | AnchorReturn | IssueRefund | RestockItems | ResolveReturn

COMMAND_DECODER: msgspec.json.Decoder[CommandMessage] = msgspec.json.Decoder(CommandMessage)
