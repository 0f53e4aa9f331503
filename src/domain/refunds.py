"""Refund calculation: pure functions from the latest order and the units being returned.

Partial refunds are cumulative: after m of a line's q units have been refunded, the line has
refunded floor(paid * m / q) of its net and of its tax (gross = net + tax). A refund of units
k+1..k+n is the difference between the two cumulative figures, so every refund is ≥ 0 and all
q units, however grouped, refund exactly what was paid for the line. When earlier refunds are
given with their amounts, the new refund is measured against what was really refunded, so an edit
of the order between refunds can never pay a line out twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import msgspec

from domain.allocation import cumulative_share
from domain.money import Money
from domain.order import Order
from domain.paid import LineKind, LinePaid, paid_lines, shipping_paid
from domain.rules import (
    LineIsOnTheOrder,
    QuantityIsPositive,
    RefundIsNotNegative,
    ReturnedQuantityWithinOrdered,
    SkuMatchesTheLine,
    check_rule,
)


class ShippingRefundPolicy(StrEnum):
    """When the shipping charge is refunded.

    The default, WHEN_ORDER_FULLY_RETURNED, refunds the whole shipping charge with the refund that
    completes the return of every unit of the order. That is the legal minimum in the UK and EU
    (the Consumer Contracts Regulations 2013 and Directive 2011/83/EU art. 13 require the standard
    delivery cost back when the whole contract is withdrawn, not on partial returns), and it is the
    choice that never refunds shipping for goods the customer keeps. NEVER suits retailers that
    state shipping is not refundable; ALWAYS_PRORATED refunds it unit by unit, cumulatively.
    """

    NEVER = "NEVER"
    WHEN_ORDER_FULLY_RETURNED = "WHEN_ORDER_FULLY_RETURNED"
    ALWAYS_PRORATED = "ALWAYS_PRORATED"


DEFAULT_SHIPPING_POLICY = ShippingRefundPolicy.WHEN_ORDER_FULLY_RETURNED


class ReturnedUnits(msgspec.Struct, frozen=True, kw_only=True):
    """Units of one line being refunded now; `sku`, when known, must match the line's."""

    line_id: str
    quantity: int
    sku: str | None = None


class PriorRefund(msgspec.Struct, frozen=True, kw_only=True):
    """Units of a line already refunded; amounts None mean "as this calculation would have"."""

    line_id: str
    quantity: int
    gross: Money | None = None
    net: Money | None = None
    tax: Money | None = None


class LineRefund(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    kind: LineKind
    quantity: int
    gross: Money
    net: Money
    tax: Money


class ShippingRefund(msgspec.Struct, frozen=True, kw_only=True):
    gross: Money
    net: Money
    tax: Money


class RefundCalculation(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    order_version: int
    currency: str
    lines: tuple[LineRefund, ...]
    shipping: ShippingRefund | None
    total: Money
    policy: ShippingRefundPolicy

    def line(self, line_id: str) -> LineRefund | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


def _sum_quantities(items: Sequence[ReturnedUnits] | Sequence[PriorRefund]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for item in items:
        totals[item.line_id] = totals.get(item.line_id, 0) + item.quantity
    return totals


def _prior_amounts(prior: Sequence[PriorRefund], line: LinePaid) -> tuple[int, int]:
    """(net, tax) already refunded for the line, in minor units."""
    net = tax = refunded = 0
    for item in (entry for entry in prior if entry.line_id == line.line_id):
        refunded += item.quantity
        if item.net is not None and item.tax is not None:
            net += item.net.to_currency_precision().amount
            tax += item.tax.to_currency_precision().amount
        else:
            net += _share(line.net, refunded, line.quantity) - _share(
                line.net, refunded - item.quantity, line.quantity
            )
            tax += _share(line.tax, refunded, line.quantity) - _share(
                line.tax, refunded - item.quantity, line.quantity
            )
    return net, tax


def _share(paid: Money, units: int, of_units: int) -> int:
    return cumulative_share(paid.amount, units, of_units)


def _line_refund(line: LinePaid, quantity: int, before: int, prior: Sequence[PriorRefund]) -> LineRefund:
    prior_net, prior_tax = _prior_amounts(prior, line)
    net = _share(line.net, before + quantity, line.quantity) - prior_net
    tax = _share(line.tax, before + quantity, line.quantity) - prior_tax
    check_rule(RefundIsNotNegative(line_id=line.line_id, net=net, tax=tax))
    currency = line.gross.currency
    return LineRefund(
        line_id=line.line_id,
        kind=line.kind,
        quantity=quantity,
        gross=Money.minor(net + tax, currency),
        net=Money.minor(net, currency),
        tax=Money.minor(tax, currency),
    )


def _shipping_refund(
    order: Order,
    policy: ShippingRefundPolicy,
    units: tuple[int, int, int],
    shipping_refunded: Money | None,
) -> ShippingRefund | None:
    """`units` = (refunded before, refunded now, units on the order), over all lines."""
    before, now, of_units = units
    paid = None if policy is ShippingRefundPolicy.NEVER else shipping_paid(order)
    if paid is None:
        return None
    if policy is ShippingRefundPolicy.WHEN_ORDER_FULLY_RETURNED:
        if before + now < of_units or (shipping_refunded is not None and not shipping_refunded.is_zero):
            return None
        return ShippingRefund(gross=paid.gross, net=paid.net, tax=paid.tax)
    net = _share(paid.net, before + now, of_units) - _share(paid.net, before, of_units)
    tax = _share(paid.tax, before + now, of_units) - _share(paid.tax, before, of_units)
    currency = paid.gross.currency
    return ShippingRefund(
        gross=Money.minor(net + tax, currency), net=Money.minor(net, currency), tax=Money.minor(tax, currency)
    )


def calculate_refund(
    order: Order,
    returned: Sequence[ReturnedUnits],
    prior: Sequence[PriorRefund] = (),
    *,
    policy: ShippingRefundPolicy = DEFAULT_SHIPPING_POLICY,
    shipping_refunded: Money | None = None,
) -> RefundCalculation:
    """The refund for `returned` units of `order`, given the refunds already made (`prior`).

    Raises BusinessRuleBroken (LineIsOnTheOrder, SkuMatchesTheLine, QuantityIsPositive,
    ReturnedQuantityWithinOrdered, RefundIsNotNegative) when the request cannot be honoured.
    Several entries for the same line are refunded together.
    """
    lines = {line.line_id: line for line in paid_lines(order)}
    for item in returned:
        check_rule(LineIsOnTheOrder(line_id=item.line_id, order_id=order.id, line_ids=frozenset(lines)))
        check_rule(QuantityIsPositive(line_id=item.line_id, quantity=item.quantity))
        check_rule(SkuMatchesTheLine(line_id=item.line_id, expected=lines[item.line_id].sku, given=item.sku))
    asked, before = _sum_quantities(returned), _sum_quantities(prior)
    refunds = []
    for line_id, quantity in asked.items():
        line = lines[line_id]
        already = before.get(line_id, 0)
        check_rule(
            ReturnedQuantityWithinOrdered(
                line_id=line_id, ordered=line.quantity, already_returned=already, requested=quantity
            )
        )
        refunds.append(_line_refund(line, quantity, already, prior))
    # Keep the order's line order in the result, whatever order the request came in.
    position = {line_id: index for index, line_id in enumerate(lines)}
    refunds.sort(key=lambda refund: position[refund.line_id])
    all_units = sum(line.quantity for line in lines.values())
    shipping = _shipping_refund(
        order, policy, (sum(before.values()), sum(asked.values()), all_units), shipping_refunded
    )
    total = sum((refund.gross for refund in refunds), Money.zero(order.currency))
    if shipping is not None:
        total = total + shipping.gross
    return RefundCalculation(
        order_id=order.id,
        order_version=order.version,
        currency=order.currency,
        lines=tuple(refunds),
        shipping=shipping,
        total=total,
        policy=policy,
    )
