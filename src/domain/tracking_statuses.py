"""ReBound's tracking-update `statusDescription` values, mapped to Backflow's statuses by a table.

The values are account-specific (ReBound publishes the milestones, not the words), so the table is
configuration (`[rebound.statuses]`) over these defaults. Keys match ignoring case, spaces and
punctuation: "Arrived at Our Hub", "arrivedAtOurHub" and "ARRIVED_AT_OUR_HUB" are one key.

Only the statuses a tracking update can honestly set are allowed as values: it carries neither the
quantities received nor the grades, so REGISTERED, GRADED and PROCESSED come from elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

TrackingStatus = Literal["CREATED", "IN_TRANSIT", "AT_HUB", "DELIVERED", "CANCELLED"]
TRACKING_STATUSES: frozenset[str] = frozenset(get_args(TrackingStatus))

DEFAULT_TRACKING_STATUSES: dict[str, TrackingStatus] = {
    # ReBound's published milestone names.
    "Return Order Created": "CREATED",
    "Entered Our Network": "IN_TRANSIT",
    "Arrived at Our Hub": "AT_HUB",
    "Delivered": "DELIVERED",
    # ReBound's published example value for "Entered Our Network" (parcel at the post office).
    "postalIncoming": "IN_TRANSIT",
    # The statusDescription values of Backflow's own contract (and its simulator) for the same steps.
    "returnBooked": "CREATED",
    "dropOff": "IN_TRANSIT",
    "hubReceived": "AT_HUB",
    "deliveredToRetailer": "DELIVERED",
}
"""The defaults; a configured table adds to them, and a configured key overrides the same default key."""


def normalize(description: str) -> str:
    """The comparison form of a description: letters and digits only, case-folded."""
    return "".join(char for char in description.casefold() if char.isalnum())


class StatusTableError(ValueError):
    """Two keys of one table mean the same description but map to different statuses, or a key is blank."""


class StatusTable:
    """`statusDescription` → status, immutable once built; unknown descriptions map to None."""

    def __init__(self, configured: Mapping[str, str] | None = None) -> None:
        table: dict[str, str] = {normalize(key): status for key, status in DEFAULT_TRACKING_STATUSES.items()}
        seen: dict[str, tuple[str, str]] = {}
        for key, status in (configured or {}).items():
            if status not in TRACKING_STATUSES:
                allowed = ", ".join(sorted(TRACKING_STATUSES))
                raise StatusTableError(
                    f"{key!r} maps to {status!r}; a tracking status must be one of {allowed}"
                )
            norm = normalize(key)
            if not norm:
                raise StatusTableError(f"{key!r} has no letters or digits to match on")
            earlier = seen.get(norm)
            if earlier is not None and earlier[1] != status:
                first, mapped = earlier
                raise StatusTableError(
                    f"{first!r} and {key!r} are the same description but map to {mapped} and {status}"
                )
            seen[norm] = (key, status)
            table[norm] = status
        self._table = table

    def status_of(self, description: str) -> str | None:
        return self._table.get(normalize(description))

    def __len__(self) -> int:
        return len(self._table)
