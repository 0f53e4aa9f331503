"""`backflow reasons reapply`: after the reason table changed, write the now-mapped codes of stored
returns to commercetools and resolve the `unmapped_reason_code` exceptions that are mapped now."""

from __future__ import annotations

import msgspec

from backflow.app.core import keys
from backflow.app.core.cases import load, to_record
from backflow.app.core.deps import StoreDeps
from backflow.app.core.notes import note
from backflow.app.core.policies import ReasonsPolicy
from backflow.app.returns.reasons import mapped_reason, unmapped_dedupe_key
from backflow.domain.return_case import Position
from backflow.ports.commerce import CommercePort
from backflow.ports.errors import ConflictError, PortError
from backflow.ports.exceptions import ExceptionState

BATCH = 10_000
ACTOR = "backflow reasons reapply"


class ReapplyReport(msgspec.Struct, frozen=True, kw_only=True):
    items_updated: int
    still_unmapped: list[str]
    exceptions_resolved: int
    failures: list[str]


async def reapply_reason_codes(
    *, store: StoreDeps, commerce: CommercePort, reasons_policy: ReasonsPolicy
) -> ReapplyReport:
    updated, still, failures = 0, set[str](), []
    with store.tracer.start_as_current_span("reasons.reapply"):
        async with store.unit_of_work() as reads:
            records = [
                r for position in Position for r in await reads.returns.in_state(position.value, limit=BATCH)
            ]
        for record in records:
            stored = load(record)
            order_id = stored.case.order_id
            if not stored.unmapped_reasons or order_id is None:
                continue
            remaining = dict(stored.unmapped_reasons)
            for item_id, code in stored.unmapped_reasons.items():
                reason = mapped_reason(reasons_policy, code)
                if reason is None:
                    still.add(code)
                    continue
                try:
                    await commerce.set_return_reason(order_id, keys.return_item_key(item_id), reason)
                except PortError as error:
                    failures.append(f"{record.return_id}/{item_id}: {error.message}")
                    continue
                del remaining[item_id]
                updated += 1
            if remaining != stored.unmapped_reasons:
                try:
                    async with store.unit_of_work() as uow:
                        new = msgspec.structs.replace(stored, unmapped_reasons=remaining)
                        uow.returns.update(to_record(new, record, store.clock.now()))
                        note(
                            uow,
                            store,
                            record.return_id,
                            source="operator",
                            action="reason codes re-applied",
                            outcome="ok",
                            detail={"still_unmapped": sorted(remaining.values())},
                            order_ref=order_id,
                        )
                        await uow.commit()
                except ConflictError:
                    failures.append(f"{record.return_id}: changed meanwhile; run again")
        resolved = await _resolve_mapped(store, reasons_policy, still)
    return ReapplyReport(
        items_updated=updated, still_unmapped=sorted(still), exceptions_resolved=resolved, failures=failures
    )


async def _resolve_mapped(store: StoreDeps, reasons_policy: ReasonsPolicy, still: set[str]) -> int:
    unmapped_keys = {unmapped_dedupe_key(code) for code in still}
    resolved = 0
    async with store.unit_of_work() as uow:
        for exception in await uow.exceptions.unresolved(limit=BATCH):
            if exception.type != "unmapped_reason_code" or exception.dedupe_key in unmapped_keys:
                continue
            code = msgspec.json.decode(exception.evidence).get("reason_code")
            if isinstance(code, str) and reasons_policy.key_of(code) is not None:
                uow.exceptions.change_state(
                    exception.id,
                    ExceptionState.RESOLVED,
                    actor=ACTOR,
                    note=f"now mapped to {reasons_policy.key_of(code)}",
                )
                resolved += 1
        await uow.commit()
    return resolved
