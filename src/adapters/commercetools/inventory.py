"""Inventory: find the entry for (SKU, supply channel) and add returned stock exactly once.

The restock marker: a custom field `backflowRestockIds` (Set of String) on the inventory entry holds
the ids of the most recent restocks applied to it. The quantity change and the marker update travel in
ONE update request under the entry's `version`, so commercetools applies both or neither. Before every
attempt the entry is read (the first time by the query that finds it): an id already in the marker
means a previous attempt (whose response was lost, or whose process died) has been applied, and
nothing is sent again. The next restock of the same entry writes on the entry as this one left it
(no query) unless that entry turned out to be changed by others too; a stale copy only costs a 409.

Limits: the marker keeps the last `MARKER_CAPACITY` ids per entry, so a restock retried after that
many newer restocks of the same entry would apply twice (the stock ledger retries only its own pending
movements, far fewer); an entry that already carries another custom Type must have the field added to
that Type by the retailer; the marker Type is created on first use (needs `manage_types`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from backflow.adapters.commercetools.http import CommercetoolsHttp
from backflow.adapters.commercetools.updates import Actions, update_body, update_versioned
from backflow.ports.commerce_types import InventoryEntry, RestockOutcome
from backflow.ports.errors import InvalidRequestError, NotFoundError

MARKER_TYPE_KEY = "backflow-inventory-entry"
MARKER_FIELD = "backflowRestockIds"
MARKER_CAPACITY = 200

MARKER_TYPE_DRAFT: dict[str, Any] = {
    "key": MARKER_TYPE_KEY,
    "name": {"en": "Backflow restock marker"},
    "resourceTypeIds": ["inventory-entry"],
    "fieldDefinitions": [
        {
            "name": MARKER_FIELD,
            "label": {"en": "Restocks applied by Backflow"},
            "required": False,
            "type": {"name": "Set", "elementType": {"name": "String"}},
            "inputHint": "SingleLine",
        }
    ],
}


class _EntryPage(msgspec.Struct):
    results: list[InventoryEntry]


_DECODE_ENTRY = msgspec.json.Decoder(InventoryEntry)
_DECODE_PAGE = msgspec.json.Decoder(_EntryPage)


def applied_restocks(entry: InventoryEntry) -> list[str]:
    if entry.custom is None:
        return []
    value = entry.custom.fields.get(MARKER_FIELD)
    return [str(v) for v in value] if isinstance(value, list) else []


Where = tuple[str, str | None]
REMEMBERED_ENTRIES = 10_000


class Inventory:
    def __init__(self, http: CommercetoolsHttp) -> None:
        self._http = http
        # commercetools has `addQuantity`; the npm mock does not. After one refusal we send the
        # absolute `changeQuantity` instead, which the version check makes just as safe.
        self.add_quantity_supported = True
        # The entry as our last restock left it, per (SKU, channel): the next restock writes on it and
        # saves the query. An entry that something else changes too (checkouts of a selling SKU, another
        # replica) costs one 409 and is found afresh from then on.
        self._written: dict[Where, InventoryEntry] = {}
        self._contended: set[Where] = set()

    async def find(self, sku: str, supply_channel_id: str | None) -> InventoryEntry | None:
        params = [("where", "sku = :sku"), ("var.sku", sku), ("limit", "2")]
        if supply_channel_id is None:
            params.append(("where", "supplyChannel is not defined"))
        else:
            params += [("where", "supplyChannel(id = :channel)"), ("var.channel", supply_channel_id)]
        page = _DECODE_PAGE.decode(await self._http.get("/inventory", params))
        return page.results[0] if page.results else None

    async def get(self, entry_id: str) -> InventoryEntry:
        return _DECODE_ENTRY.decode(await self._http.get(f"/inventory/{quote(entry_id, safe='')}"))

    async def ensure_marker_type(self) -> None:
        """Create the marker Type unless it exists (idempotent; needs `manage_types`)."""
        try:
            await self._http.get(f"/types/key={MARKER_TYPE_KEY}")
            return
        except NotFoundError:
            pass
        try:
            await self._http.post("/types", MARKER_TYPE_DRAFT)
        except InvalidRequestError as error:
            if "DuplicateField" not in error.codes:
                raise

    async def restock(
        self, sku: str, supply_channel_id: str | None, quantity: int, restock_id: str
    ) -> RestockOutcome:
        if quantity < 1:
            raise ValueError("a restock adds at least one unit")
        where = (sku, supply_channel_id)
        remembered = self._written.pop(where, None)
        found = remembered or await self.find(sku, supply_channel_id)
        if found is None:
            raise NotFoundError(
                f"no inventory entry for {sku!r} in channel {supply_channel_id!r}", status=404
            )
        for _ in range(3):  # quantity action fallback and marker Type creation each need one more round
            try:
                # The entry as found carries its version: no second read (a stale one gets a 409).
                outcome, reread = await self._restock(found, quantity, restock_id)
                self._remember(where, outcome.entry, contended=reread and remembered is not None)
                return outcome
            except InvalidRequestError as error:
                if self.add_quantity_supported and "addQuantity" in error.message:
                    self.add_quantity_supported = False
                elif "ReferencedResourceNotFound" in error.codes and MARKER_TYPE_KEY in error.message:
                    await self.ensure_marker_type()
                else:
                    raise
        raise InvalidRequestError(f"restock {restock_id} kept being refused", codes=("InvalidOperation",))

    def _remember(self, where: Where, entry: InventoryEntry, *, contended: bool) -> None:
        if contended or where in self._contended:
            if len(self._contended) >= REMEMBERED_ENTRIES:
                self._contended.clear()
            self._contended.add(where)
            return
        if len(self._written) >= REMEMBERED_ENTRIES:
            self._written.pop(next(iter(self._written)))
        self._written[where] = entry

    async def _restock(
        self, found: InventoryEntry, quantity: int, restock_id: str
    ) -> tuple[RestockOutcome, bool]:
        """The outcome, and whether `found` turned out stale (the entry had to be read again)."""
        entry_id = found.id
        applied = False
        reread = False

        async def read() -> InventoryEntry:
            nonlocal reread
            reread = True
            return await self.get(entry_id)

        def plan(entry: InventoryEntry) -> Actions | None:
            marker = applied_restocks(entry)
            if restock_id in marker:
                return None
            if self.add_quantity_supported:
                change: dict[str, Any] = {"action": "addQuantity", "quantity": quantity}
            else:
                change = {"action": "changeQuantity", "quantity": entry.quantityOnStock + quantity}
            ids = [*marker, restock_id][-MARKER_CAPACITY:]
            if entry.custom is None or entry.custom.type is None:
                ref = {"typeId": "type", "key": MARKER_TYPE_KEY}
                mark = {"action": "setCustomType", "type": ref, "fields": {MARKER_FIELD: ids}}
            else:
                mark = {"action": "setCustomField", "name": MARKER_FIELD, "value": ids}
            return [change, mark]

        async def send(version: int, actions: Actions) -> InventoryEntry:
            nonlocal applied
            path = f"/inventory/{quote(entry_id, safe='')}"
            entry = _DECODE_ENTRY.decode(await self._http.post(path, update_body(version, actions)))
            applied = True
            return entry

        entry = await update_versioned(
            read,
            plan,
            send,
            attempts=self._http.config.conflict_attempts,
            current=found,
        )
        return RestockOutcome(entry=entry, applied=applied), reread
