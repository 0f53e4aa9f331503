"""Deterministic keys: the same return, item or trigger always yields the same key, so every repeat
of a write is recognised by commercetools, ReBound or the outbox instead of being applied twice."""

from __future__ import annotations

import re

_NOT_KEY_SAFE = re.compile(r"[^A-Za-z0-9-]")


def return_item_key(rebound_item_id: str) -> str:
    """The commercetools return item key for a ReBound item id.

    commercetools keys allow only `[A-Za-z0-9_-]`, and ReBound ids look like `(00)987...`: every other
    character (and `_` itself, so the mapping stays one-to-one) is escaped as `_xx` (hex code point).
    """
    return "rb-" + _NOT_KEY_SAFE.sub(lambda match: f"_{ord(match.group()):02x}", rebound_item_id)


def refund_interaction_id(return_id: str, sequence: int) -> str:
    return f"backflow-refund:{return_id}:{sequence}"


def restock_marker(return_id: str, rebound_item_id: str) -> str:
    return f"backflow-restock:{return_id}:{rebound_item_id}"


def write_off_marker(return_id: str, rebound_item_id: str) -> str:
    return f"backflow-write-off:{return_id}:{rebound_item_id}"


def order_lock(client_order_id: str) -> str:
    """The lock key of every job that reads and writes one order (anchoring, refunds, restocks,
    marking items returned): the outbox runs them one at a time per order."""
    return f"order:{client_order_id}"


def order_sync_lock(ct_order_id: str) -> str:
    """The lock key of an order's syncs: one version of an order at a time."""
    return f"order-sync:{ct_order_id}"


def sync_key(order_id: str, version: int | None) -> str:
    return f"sync:{order_id}:{version if version is not None else 'latest'}"


def anchor_key(return_id: str) -> str:
    return f"anchor:{return_id}"


def refund_key(return_id: str, sequence: int) -> str:
    return f"refund:{return_id}:{sequence}"


def restock_key(return_id: str, sequence: int) -> str:
    return f"restock:{return_id}:{sequence}"


def returned_key(return_id: str, sequence: int) -> str:
    return f"returned:{return_id}:{sequence}"


def ack_key(return_id: str, kind: str, reference: str) -> str:
    return f"ack:{return_id}:{kind}:{reference}"
