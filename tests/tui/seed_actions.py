"""A refund mismatch and an orphan return as the daemon's own flows raise them, for the decide and
re-anchor pilot tests: a real order in the commercetools simulator, the return case in the store, and
the exception raised by the flow functions themselves (`record_mismatch`, bound as the daemon binds
it, and `raise_exception`), so the evidence, the retry action and the `actions` list are exactly what
the daemon produces."""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta

import msgspec

from backflow.app.bootstrap import Daemon
from backflow.app.core import keys
from backflow.app.core.cases import StoredCase, to_record
from backflow.app.core.problems import raise_exception, retry_action
from backflow.app.refunds.compare import Comparison, LineFigures
from backflow.app.refunds.mismatch import record_mismatch
from backflow.domain.commands import AnchorReturn, IssueRefund
from backflow.domain.return_case import CaseItem, Position, ReturnCase
from backflow.domain.return_snapshot import RefundProposal
from backflow.ports.exceptions import Severity
from tests.integration.runtime.conftest import Sims


async def _case(daemon: Daemon, case: ReturnCase) -> None:
    wiring = daemon.wiring
    async with wiring.store.unit_of_work() as uow:
        uow.returns.add(to_record(StoredCase(case=case), None, wiring.store.clock.now()))
        await uow.commit()


async def raise_refund_mismatch(
    daemon: Daemon, sims: Sims, *, number: str, rid: str, limit_when_raised: str | None = None
) -> None:
    """A 25.00 EUR tee whose return ReBound proposes to refund at 33.00 (8.00 more than the order
    supports). `limit_when_raised` is the approve-ReBound limit in force when the flow compared the
    figures (the evidence's `allowed`), for a limit lowered since: the daemon checks the current one."""
    await sims.seed_order(number, "TEE", 2500)
    wiring = daemon.wiring
    order = await wiring.commerce.get_order_by_number(number)
    line = order.lineItems[0].id
    case = ReturnCase(
        return_id=rid,
        client_order_id=number,
        position=Position.REFUND_PENDING,
        last_sequence=5,
        order_id=order.id,
        refund_requested=True,
        items=(CaseItem(rebound_item_id=f"{rid}-i1", line_id=line, sku="TEE", quantity_expected=1),),
    )
    await _case(daemon, case)
    if limit_when_raised is not None:
        policies = msgspec.structs.replace(
            wiring.settings.file.policies, approve_rebound_amount_limit=limit_when_raised
        )
        settings = msgspec.structs.replace(
            wiring.settings, file=msgspec.structs.replace(wiring.settings.file, policies=policies)
        )
        wiring = dataclasses.replace(wiring, settings=settings)
    command = IssueRefund(return_id=rid, sequence=5)
    await wiring.dependencies().run(
        functools.partial(
            record_mismatch,
            proposal=RefundProposal(
                milestone="RECEIVED", outcome="ORIGINAL_PAYMENT", currency="EUR", totalAmount="33.00"
            ),
            comparison=Comparison(
                within_tolerance=False,
                currency="EUR",
                lines=(LineFigures(line_id=line, backflow="25.00", rebound="33.00", difference_minor=800),),
                backflow_total="25.00",
                rebound_total="33.00",
                tolerance_minor=1,
            ),
            retry=retry_action(command, keys.refund_key(rid, 5)),
        ),
        StoredCase(case=case),
        order,
    )


async def raise_orphan_return(daemon: Daemon, sims: Sims, *, number: str, rid: str) -> None:
    """A return booked under a mistyped order number (`number` + "-TYPO"); its item is the real
    order's line, so re-anchoring to `number` fits and anything else is refused."""
    created = await sims.seed_order(number, "CAP", 1500)
    booked = f"{number}-TYPO"
    case = ReturnCase(
        return_id=rid,
        client_order_id=booked,
        items=(
            CaseItem(
                rebound_item_id=f"{rid}-i1",
                line_id=created["lineItems"][0]["id"],
                sku="CAP",
                quantity_expected=1,
            ),
        ),
    )
    await _case(daemon, case)
    wiring = daemon.wiring
    horizon = wiring.settings.file.policies.orphan_horizon_seconds
    created_at = wiring.store.clock.now() - timedelta(seconds=horizon + 60)
    command = AnchorReturn(return_id=rid, client_order_id=booked)
    async with wiring.store.unit_of_work() as uow:
        raise_exception(
            uow,
            wiring.store,
            "orphan_return",
            dedupe_key=f"orphan_return:{rid}",
            severity=Severity.ERROR,
            return_id=rid,
            order_ref=booked,
            evidence={
                "client_order_id": booked,
                "waited_seconds": horizon + 60,
                "horizon": horizon,
                "looked_up": ["orderNumber", "id"],
                "return_created_at": created_at.isoformat(),
            },
            retry=retry_action(command, keys.anchor_key(rid)),
        )
        await uow.commit()
