"""The simulator's in-memory project: resources by type, the message log, and id/time sources."""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from backflow.devtools.commercetools_sim.errors import concurrent_modification, invalid, not_found
from backflow.devtools.commercetools_sim.options import SimulatorOptions

Resource = dict[str, Any]
Listener = Callable[[Resource], None]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimState:
    def __init__(self, options: SimulatorOptions) -> None:
        self.options = options
        self.rng = random.Random(options.seed)
        self.resources: dict[str, dict[str, Resource]] = {}
        self.messages: list[Resource] = []
        self.listeners: list[Listener] = []
        self.stats: dict[str, int] = {}
        self._last_time = datetime.now(UTC) - timedelta(seconds=1)
        self._sequence: dict[str, int] = {}

    def reset(self) -> None:
        self.resources.clear()
        self.messages.clear()
        self._sequence.clear()
        self.stats.clear()

    def count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1

    # ------------------------------------------------------------------ identity and time
    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def now(self) -> str:
        # Strictly increasing milliseconds, so messages have a total (createdAt, id) order as seen here.
        moment = max(datetime.now(UTC), self._last_time + timedelta(milliseconds=1))
        self._last_time = moment
        return iso(moment)

    # ------------------------------------------------------------------ resources
    def table(self, kind: str) -> dict[str, Resource]:
        return self.resources.setdefault(kind, {})

    def get(self, kind: str, resource_id: str) -> Resource:
        found = self.table(kind).get(resource_id)
        if found is None:
            raise not_found(f"The Resource with ID '{resource_id}' was not found.")
        return found

    def find(self, kind: str, field: str, value: Any) -> Resource | None:
        return next((r for r in self.table(kind).values() if r.get(field) == value), None)

    def by_key_or_id(self, kind: str, ref: Resource) -> Resource | None:
        if ref.get("id"):
            return self.table(kind).get(str(ref["id"]))
        if ref.get("key"):
            return self.find(kind, "key", ref["key"])
        return None

    def insert(self, kind: str, draft: Resource) -> Resource:
        now = self.now()
        resource = {"id": self.new_id(), "version": 1, **draft, "createdAt": now, "lastModifiedAt": now}
        self.table(kind)[resource["id"]] = resource
        return resource

    def check_version(self, resource: Resource, version: Any) -> None:
        if not isinstance(version, int) or isinstance(version, bool):
            raise invalid(
                "Request body does not contain valid JSON: version is required.", "InvalidJsonInput"
            )
        if version != resource["version"]:
            raise concurrent_modification(resource["id"], version, resource["version"])

    def commit(self, kind: str, before: Resource, after: Resource) -> Resource:
        """Store an updated copy; a change bumps the version (a no-op update leaves it as it was)."""
        if after != before:
            after["version"] = before["version"] + 1
            after["lastModifiedAt"] = self.now()
        self.table(kind)[after["id"]] = after
        return after

    @staticmethod
    def working_copy(resource: Resource) -> Resource:
        return copy.deepcopy(resource)

    # ------------------------------------------------------------------ messages
    def emit(self, type_id: str, resource: Resource, message_type: str, payload: Resource) -> Resource:
        sequence = self._sequence.get(resource["id"], 0) + 1
        self._sequence[resource["id"]] = sequence
        now = self.now()
        identifiers = {
            k: resource[k] for k in ("key", "orderNumber", "sku") if isinstance(resource.get(k), str)
        }
        message: Resource = {
            "id": self.new_id(),
            "version": 1,
            "sequenceNumber": sequence,
            "resource": {"typeId": type_id, "id": resource["id"]},
            "resourceVersion": resource["version"],
            "type": message_type,
            "createdAt": now,
            "lastModifiedAt": now,
            **({"resourceUserProvidedIdentifiers": identifiers} if identifiers else {}),
            **copy.deepcopy(payload),
        }
        self.messages.append(message)
        for listener in self.listeners:
            listener(message)
        return message
