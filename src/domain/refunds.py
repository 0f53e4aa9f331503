"""Refund calculation: pure functions from the latest order and the units being returned.

Partial refunds are cumulative and rounded once. After m of a line's q units have been refunded, the
line has refunded R(paid gross * m / q), R rounding to the currency's minor unit with the order's
`priceRoundingMode` (HalfEven when absent); a refund of units k+1..k+n is the difference between the
two cumulative figures. So the first refund of a line is its exact share rounded to nearest, every
later one is within one minor unit of its exact share, every refund is >= 0, and all q units, however
grouped, refund exactly what was paid for the line. The tax part follows the same rule on the line's
paid tax (rounded with the order's `taxRoundingMode`, as commercetools rounds taxes), and net = gross -
tax: the gross is never the sum of two separately rounded parts (`allocation.cumulative_split`).
The paid gross already carries the line's product, cart and order-level discounts, so their shares are
refunded by the same single rounding; prorated shipping follows the same rule over the order's units.

When earlier refunds are given with their amounts, the new refund is measured against what was really
refunded, so an edit of the order between refunds can never pay a line out twice, and refunds recorded
under an earlier rule still add up to exactly what was paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import msgspec

from backflow.domain.allocation import cumulative_split
from backflow.domain.money import Money
from backflow.domain.order import Order
from backflow.domain.paid import LineKind, LinePaid, paid_lines, shipping_paid
from backflow.domain.rounding import RoundingMode
from backflow.domain.rules import (
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
    order_paid: Money | None = None
    """What the customer paid for the whole order at `order_version` (lines and shipping): after an
    order edit, the final figure the refunds of the order are measured against."""

    def line(self, line_id: str) -> LineRefund | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


def _sum_quantities(items: Sequence[ReturnedUnits] | Sequence[PriorRefund]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for item in items:
        totals[item.line_id] = totals.get(item.line_id, 0) + item.quantity
    return totals


class _Modes(msgspec.Struct, frozen=True):
    """The order's rounding modes: `price` for gross amounts, `tax` for their tax parts."""

    price: RoundingMode
    tax: RoundingMode


def _modes(order: Order) -> _Modes:
    return _Modes(order.priceRoundingMode, order.taxRoundingMode)


def _cumulative(gross: Money, tax: Money, units: int, of_units: int, modes: _Modes) -> tuple[int, int]:
    """(gross, tax) in minor units that the first `units` of `of_units` units carry."""
    return cumulative_split(gross.amount, tax.amount, units, of_units, mode=modes.price, part_mode=modes.tax)


def _prior_amounts(prior: Sequence[PriorRefund], line: LinePaid, modes: _Modes) -> tuple[int, int]:
    """(gross, tax) already refunded for the line, in minor units."""
    gross = tax = refunded = 0
    for item in (entry for entry in prior if entry.line_id == line.line_id):
        refunded += item.quantity
        if item.net is not None and item.tax is not None:
            item_tax = item.tax.to_currency_precision().amount
            gross += item.net.to_currency_precision().amount + item_tax
            tax += item_tax
        else:
            after = _cumulative(line.gross, line.tax, refunded, line.quantity, modes)
            before = _cumulative(line.gross, line.tax, refunded - item.quantity, line.quantity, modes)
            gross += after[0] - before[0]
            tax += after[1] - before[1]
    return gross, tax


def _portion(
    paid_gross: Money, paid_tax: Money, target: tuple[int, int], refunded: tuple[int, int]
) -> tuple[int, int]:
    """(gross, tax) to refund now: the cumulative `target` less what was `refunded` before.

    When the earlier refunds followed this same rule the tax is the target's as it is. Refunds recorded
    under another rule (or on an earlier version of the order) may leave it where the net or the tax
    would go below zero or beyond what remains of it; the tax then gives way, within the bounds that
    keep both parts whole, whenever such bounds exist (else RefundIsNotNegative refuses the refund).
    """
    gross = target[0] - refunded[0]
    tax = target[1] - refunded[1]
    net_left = paid_gross.amount - paid_tax.amount - (refunded[0] - refunded[1])
    low, high = max(0, gross - net_left), min(gross, paid_tax.amount - refunded[1])
    if low <= high:
        tax = min(max(tax, low), high)
    return gross, tax


def _line_refund(
    line: LinePaid, quantity: int, before: int, prior: Sequence[PriorRefund], modes: _Modes
) -> LineRefund:
    refunded = _prior_amounts(prior, line, modes)
    target = _cumulative(line.gross, line.tax, before + quantity, line.quantity, modes)
    gross, tax = _portion(line.gross, line.tax, target, refunded)
    net = gross - tax
    check_rule(RefundIsNotNegative(line_id=line.line_id, net=net, tax=tax))
    currency = line.gross.currency
    return LineRefund(
        line_id=line.line_id,
        kind=line.kind,
        quantity=quantity,
        gross=Money.minor(gross, currency),
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
    modes = _modes(order)
    target = _cumulative(paid.gross, paid.tax, before + now, of_units, modes)
    gross, tax = _portion(
        paid.gross, paid.tax, target, _cumulative(paid.gross, paid.tax, before, of_units, modes)
    )
    currency = paid.gross.currency
    return ShippingRefund(
        gross=Money.minor(gross, currency),
        net=Money.minor(gross - tax, currency),
        tax=Money.minor(tax, currency),
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
    modes = _modes(order)
    refunds = []
    for line_id, quantity in asked.items():
        line = lines[line_id]
        already = before.get(line_id, 0)
        check_rule(
            ReturnedQuantityWithinOrdered(
                line_id=line_id, ordered=line.quantity, already_returned=already, requested=quantity
            )
        )
        refunds.append(_line_refund(line, quantity, already, prior, modes))
    # Keep the order's line order in the result, whatever order the request came in.
    position = {line_id: index for index, line_id in enumerate(lines)}
    refunds.sort(key=lambda refund: position[refund.line_id])
    all_units = sum(line.quantity for line in lines.values())
    shipping = _shipping_refund(
        order, policy, (sum(before.values()), sum(asked.values()), all_units), shipping_refunded
    )
    total = sum((refund.gross for refund in refunds), Money.zero(order.currency))
    order_paid = sum((line.gross for line in lines.values()), Money.zero(order.currency))
    paid_shipping = shipping_paid(order)
    if paid_shipping is not None:
        order_paid = order_paid + paid_shipping.gross
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
        order_paid=order_paid,
    )
