"""What the refund ledger's rows hold per line, and the prior refunds of an order read back from it."""

from __future__ import annotations

import msgspec

from backflow.domain.money import Money
from backflow.domain.refunds import PriorRefund, RefundCalculation, ShippingRefundPolicy
from backflow.ports.ledgers import Refund, RefundState
from backflow.ports.unit_of_work import UnitOfWork


class RefundedLine(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    quantity: int
    gross_minor: int
    net_minor: int
    tax_minor: int
    rebound_item_ids: tuple[str, ...] = ()


class RefundBreakdown(msgspec.Struct, frozen=True, kw_only=True):
    """The JSON in `Refund.lines`: enough to replay the allocation for later refunds of the order."""

    order_id: str
    order_version: int
    currency: str
    lines: tuple[RefundedLine, ...]
    shipping_gross_minor: int = 0
    adjustment_minor: int = 0
    """Paid beyond the lines by finance's decision (ReBound's amount approved); not a line's money."""
    shipping_net_minor: int = 0
    order_paid_minor: int | None = None
    """What the customer had paid for the order at `order_version` (None in rows written before)."""


def breakdown(
    calc: RefundCalculation, items_by_line: dict[str, tuple[str, ...]], adjustment_minor: int = 0
) -> RefundBreakdown:
    return RefundBreakdown(
        order_id=calc.order_id,
        order_version=calc.order_version,
        order_paid_minor=calc.order_paid.minor_units if calc.order_paid is not None else None,
        currency=calc.currency,
        lines=tuple(
            RefundedLine(
                line_id=line.line_id,
                quantity=line.quantity,
                gross_minor=line.gross.minor_units,
                net_minor=line.net.minor_units,
                tax_minor=line.tax.minor_units,
                rebound_item_ids=items_by_line.get(line.line_id, ()),
            )
            for line in calc.lines
        ),
        shipping_gross_minor=calc.shipping.gross.minor_units if calc.shipping else 0,
        adjustment_minor=adjustment_minor,
        shipping_net_minor=calc.shipping.net.minor_units if calc.shipping else 0,
    )


def read_breakdown(refund: Refund) -> RefundBreakdown:
    return msgspec.json.decode(refund.lines, type=RefundBreakdown)


_POLICIES = {
    "never": ShippingRefundPolicy.NEVER,
    "when-fully-returned": ShippingRefundPolicy.WHEN_ORDER_FULLY_RETURNED,
    "always-prorated": ShippingRefundPolicy.ALWAYS_PRORATED,
}


def shipping_refund_policy(name: str) -> ShippingRefundPolicy:
    """The `shipping-refund` setting's value as the domain's policy."""
    return _POLICIES[name]


async def recorded_refunds(uow: UnitOfWork, order_id: str) -> list[Refund]:
    """Every refund recorded against the order, over all its returns."""
    found: list[Refund] = []
    for record in await uow.returns.by_order(order_id):
        found += [
            r for r in await uow.refunds.for_return(record.return_id) if r.state is RefundState.RECORDED
        ]
    return found


async def prior_refunds(uow: UnitOfWork, order_id: str) -> list[PriorRefund]:
    return priors(await recorded_refunds(uow, order_id))


def priors(recorded: list[Refund]) -> list[PriorRefund]:
    """The lines refunded before, per recorded refund of the order (what the allocation continues)."""
    prior: list[PriorRefund] = []
    for refund in recorded:
        parts = read_breakdown(refund)
        for line in parts.lines:
            prior.append(
                PriorRefund(
                    line_id=line.line_id,
                    quantity=line.quantity,
                    gross=Money.minor(line.gross_minor, parts.currency),
                    net=Money.minor(line.net_minor, parts.currency),
                    tax=Money.minor(line.tax_minor, parts.currency),
                )
            )
    return prior


def shipping_refunded(recorded: list[Refund], currency: str) -> Money:
    """The shipping refunded before, over the order's recorded refunds."""
    return Money.minor(sum(read_breakdown(refund).shipping_gross_minor for refund in recorded), currency)
