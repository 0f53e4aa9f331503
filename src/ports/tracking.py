"""ReBound's published tracking updates, read into the return snapshot the flows use.

The wire format belongs to the ReBound adapter; the returns capability asks this port for the
snapshot after an update, given what it has stored of the same return, inside its unit of work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec

from backflow.domain.return_snapshot import ReturnSnapshot


class MalformedTracking(ValueError):
    """The body is not a tracking update; the message names the field and why."""


class TrackingRead(msgspec.Struct, frozen=True, kw_only=True):
    """What an update says before any mapping: enough to find the stored return."""

    return_id: str
    client_order_id: str
    status_description: str
    timestamp: datetime
    dedupe_key: str


class TrackingMapped(msgspec.Struct, frozen=True, kw_only=True):
    snapshot: ReturnSnapshot
    """The stored snapshot after the update (receipt, grading and refund kept from `known`)."""


class TrackingUnmapped(msgspec.Struct, frozen=True, kw_only=True):
    """A `statusDescription` the configured table does not know: kept raw, raised for review."""

    evidence: dict[str, str]


class TrackingMapper(Protocol):
    def read(self, body: bytes) -> TrackingRead:
        """The update's identity; `MalformedTracking` when the body is not a tracking update."""
        ...

    def map(self, body: bytes, known: ReturnSnapshot | None) -> TrackingMapped | TrackingUnmapped:
        """The snapshot after the update, given the stored one of the same return."""
        ...

    def supersedes(self, snapshot: ReturnSnapshot, known: ReturnSnapshot | None) -> bool:
        """Whether `snapshot` is news over `known`: newest `timestamp` wins; a repeat is not news."""
        ...
