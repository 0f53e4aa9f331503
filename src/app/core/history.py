"""Reading the recorded status history: when a return entered its current status, when it was received."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from backflow.domain.statuses import ReboundStatus, is_received
from backflow.ports.reports import StatusChange


def entered_current_status(history: Iterable[StatusChange]) -> dict[str, tuple[str | None, datetime]]:
    """Per return: its latest ReBound status and since when it has held it without a break."""
    found: dict[str, tuple[str | None, datetime]] = {}
    for change in history:  # oldest first
        current = found.get(change.return_id)
        if current is None or current[0] != change.rebound_status:
            found[change.return_id] = (change.rebound_status, change.at)
    return found


def first_received(history: Iterable[StatusChange]) -> dict[str, datetime]:
    """Per return: the first moment its status said the warehouse had counted the items."""
    found: dict[str, datetime] = {}
    for change in history:
        if change.return_id in found or change.rebound_status is None:
            continue
        if change.rebound_status in ReboundStatus.__members__ and is_received(
            ReboundStatus(change.rebound_status)
        ):
            found[change.return_id] = change.at
    return found
