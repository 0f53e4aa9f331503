"""What the customer paid for each line of an order: gross, net and tax at currency precision.

Sources, in order of authority (commercetools is the authority on what was paid):
1. A line's own platform figures: `totalPrice` (after product and cart discounts) and `taxedPrice`
   (net/gross). They are used whenever present; recomputation is only the fallback.
   High-precision unit prices (more fraction digits than the currency's) never reach a refund
   directly: the platform multiplies them by the quantity and rounds the line total once, with
   `priceRoundingMode`, to the currency's minor unit (`totalPrice.centAmount`). That total, in minor
   units, is what was paid for the line and what its refunds add up to.
2. Recomputation from the line's prices (`discountedPricePerQuantity`, else the unit price * qty,
   rounded once with `priceRoundingMode`) and its `taxRate`, per `taxMode` and `taxCalculationMode`,
   rounded with `taxRoundingMode`. `recompute_line_total` exposes it for cross-checks.

The order-level discount (`discountOnTotalPrice`) is not part of line totals. When every line has a
`taxedPrice` and those figures (with shipping) already add up to the order's `totalPrice`, the
platform has prorated the discount into them and they are taken as they are. Otherwise the
discount is prorated here: the price-mode amount (gross for tax-included orders, net otherwise)
by largest remainder over the lines' price-mode totals, ties to the earlier line; each line's
share of it is split into net and tax in that line's own proportion.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import msgspec

from backflow.domain.allocation import largest_remainder
from backflow.domain.errors import DomainError
from backflow.domain.money import Money, TypedMoney
from backflow.domain.order import CustomLineItem, LineItem, Order, TaxedItemPrice, TaxRate
from backflow.domain.rates import parse_rate
from backflow.domain.rounding import RoundingMode, divide_rounded, round_fraction

LineKind = Literal["lineItem", "customLineItem"]


class MissingTaxInformation(DomainError):
    code = "missing_tax_information"


class LinePaid(msgspec.Struct, frozen=True, kw_only=True):
    """What was paid for one line after every discount, the order-level share included."""

    line_id: str
    kind: LineKind
    quantity: int
    sku: str | None
    tax_included: bool
    gross: Money
    net: Money
    tax: Money
    order_discount_gross: Money

    @property
    def price_mode_total(self) -> Money:
        """Gross for a tax-included line, net otherwise (the figure a shopper saw as the price)."""
        return self.gross if self.tax_included else self.net


class ShippingPaid(msgspec.Struct, frozen=True, kw_only=True):
    gross: Money
    net: Money
    tax: Money


class _Taxed(msgspec.Struct, frozen=True):
    """Minor-unit figures of one line before the order-level discount."""

    net: int
    gross: int
    included: bool


Line = LineItem | CustomLineItem


def order_lines(order: Order) -> list[tuple[LineKind, Line]]:
    """Line items then custom line items, in the order's own order (the tie-break order)."""
    lines: list[tuple[LineKind, Line]] = [("lineItem", line) for line in order.lineItems]
    lines.extend(("customLineItem", line) for line in order.customLineItems)
    return lines


def _minor(money: TypedMoney, mode: RoundingMode) -> int:
    """A total in the currency's minor unit: what was charged.

    commercetools' totals are centPrecision. Should one come as highPrecision, its `centAmount` is the
    platform's own rounding of `preciseAmount` (the amount the order's totals add up from), so it is
    taken as it is rather than rounded again here.
    """
    if money.type == "highPrecision":
        return money.centAmount
    return money.to_money().to_currency_precision(mode).amount


def _unit_groups(line: Line) -> list[tuple[int, Money]]:
    """(quantity, unit price) groups: cart-discounted groups when present, else the unit price."""
    if line.discountedPricePerQuantity:
        return [
            (group.quantity, group.discountedPrice.value.to_money())
            for group in line.discountedPricePerQuantity
        ]
    if isinstance(line, CustomLineItem):
        return [(line.quantity, line.money.to_money())]
    unit = line.price.discounted.value if line.price.discounted is not None else line.price.value
    return [(line.quantity, unit.to_money())]


def recompute_line_total(order: Order, line: Line) -> Money:
    """Σ quantity * unit price, multiplied exactly and rounded once to the currency's minor unit."""
    exact = sum((unit.as_fraction() * quantity for quantity, unit in _unit_groups(line)), Fraction(0))
    currency = order.currency
    digits = Money.zero(currency).digits
    return Money.minor(round_fraction(exact * 10**digits, order.priceRoundingMode), currency)


def _rate(tax_rate: TaxRate) -> Fraction:
    return parse_rate(tax_rate.amount)


def _tax_of(amount: Fraction, rate: Fraction, included: bool, mode: RoundingMode) -> int:
    """Tax in minor units on an exact minor-unit amount: inside it when included, on top otherwise."""
    exact = amount * rate / (1 + rate) if included else amount * rate
    return round_fraction(exact, mode)


def _recomputed_taxes(order: Order, line: Line, total: int) -> _Taxed:
    if line.taxRate is None:
        raise MissingTaxInformation(f"line {line.id} has neither a taxedPrice nor a taxRate")
    rate, included = _rate(line.taxRate), line.taxRate.includedInPrice
    mode = order.taxRoundingMode
    if order.taxCalculationMode == "UnitPriceLevel":
        scale = 10 ** Money.zero(order.currency).digits
        # Tax each unit (rounded to the minor unit), then multiply by the quantity.
        tax = sum(
            quantity * _tax_of(unit.as_fraction() * scale, rate, included, mode)
            for quantity, unit in _unit_groups(line)
        )
    else:
        tax = _tax_of(Fraction(total), rate, included, mode)
    if included:
        return _Taxed(net=total - tax, gross=total, included=True)
    return _Taxed(net=total, gross=total + tax, included=False)


def _from_taxed_price(taxed: TaxedItemPrice, order: Order, included: bool) -> _Taxed:
    mode = order.taxRoundingMode
    return _Taxed(net=_minor(taxed.totalNet, mode), gross=_minor(taxed.totalGross, mode), included=included)


def _line_taxes(order: Order, line: Line) -> _Taxed:
    total = _minor(line.totalPrice, order.priceRoundingMode)
    included = line.taxRate.includedInPrice if line.taxRate is not None else True
    if order.taxMode == "Disabled":
        return _Taxed(net=total, gross=total, included=included)
    if line.taxedPrice is not None:
        return _from_taxed_price(line.taxedPrice, order, included)
    if order.taxMode == "ExternalAmount":
        raise MissingTaxInformation(f"line {line.id}: ExternalAmount tax mode but no taxedPrice")
    return _recomputed_taxes(order, line, total)


def shipping_paid(order: Order) -> ShippingPaid | None:
    """The shipping charge as paid (platform figures first), or None when the order has none."""
    info = order.shippingInfo
    if info is None:
        return None
    price = info.discountedPrice.value if info.discountedPrice is not None else info.price
    total = _minor(price, order.priceRoundingMode)
    included = info.taxRate.includedInPrice if info.taxRate is not None else True
    if order.taxMode == "Disabled":
        taxed = _Taxed(net=total, gross=total, included=included)
    elif info.taxedPrice is not None:
        taxed = _from_taxed_price(info.taxedPrice, order, included)
    elif info.taxRate is not None and order.taxMode != "ExternalAmount":
        tax = _tax_of(Fraction(total), _rate(info.taxRate), included, order.taxRoundingMode)
        taxed = _Taxed(total - tax, total, True) if included else _Taxed(total, total + tax, False)
    else:
        raise MissingTaxInformation("shipping has neither a taxedPrice nor a usable taxRate")
    currency = order.currency
    return ShippingPaid(
        gross=Money.minor(taxed.gross, currency),
        net=Money.minor(taxed.net, currency),
        tax=Money.minor(taxed.gross - taxed.net, currency),
    )


def _price_side(taxed: _Taxed) -> int:
    return taxed.gross if taxed.included else taxed.net


def _platform_prorated_discount(order: Order, lines: list[_Taxed]) -> bool:
    """True when the lines' taxedPrice figures already carry the order-level discount."""
    if not all(line.taxedPrice is not None for _, line in order_lines(order)):
        return False
    shipping = order.shippingInfo
    shipping_side = 0
    if shipping is not None:
        paid = shipping_paid(order)
        if paid is not None:
            included = shipping.taxRate.includedInPrice if shipping.taxRate is not None else True
            shipping_side = paid.gross.amount if included else paid.net.amount
    total = _minor(order.totalPrice, order.priceRoundingMode)
    return sum(_price_side(line) for line in lines) + shipping_side == total


def _discount_shares(order: Order, lines: list[_Taxed]) -> list[tuple[int, int]]:
    """Per line (gross share, net share) of the order-level discount, in minor units."""
    discount = order.discountOnTotalPrice
    if discount is None or not lines or _platform_prorated_discount(order, lines):
        return [(0, 0)] * len(lines)
    gross_mode = all(line.included for line in lines)
    explicit = discount.discountedGrossAmount if gross_mode else discount.discountedNetAmount
    amount = _minor(explicit if explicit is not None else discount.discountedAmount, order.priceRoundingMode)
    primary = [_price_side(line) for line in lines]
    if not 0 <= amount <= sum(primary):
        raise DomainError(f"order-level discount {amount} does not fit the line totals {sum(primary)}")
    shares = largest_remainder(amount, primary)
    result = []
    for share, line, base in zip(shares, lines, primary, strict=True):
        tax = line.gross - line.net
        # The share's tax part in the line's own tax proportion; bounded by the line's tax.
        tax_share = divide_rounded(share * tax, base, order.taxRoundingMode) if base else 0
        if gross_mode:
            result.append((share, share - tax_share))
        else:
            result.append((share + tax_share, share))
    return result


def paid_lines(order: Order) -> tuple[LinePaid, ...]:
    """Every line (line items, then custom line items) with what was paid for it."""
    kinds_lines = order_lines(order)
    taxed = [_line_taxes(order, line) for _, line in kinds_lines]
    shares = _discount_shares(order, taxed)
    currency = order.currency
    result = []
    for (kind, line), figures, (gross_share, net_share) in zip(kinds_lines, taxed, shares, strict=True):
        gross, net = figures.gross - gross_share, figures.net - net_share
        if net < 0 or gross < net:
            raise DomainError(f"line {line.id}: paid net {net} and gross {gross} are inconsistent")
        result.append(
            LinePaid(
                line_id=line.id,
                kind=kind,
                quantity=line.quantity,
                sku=line.sku if isinstance(line, LineItem) else None,
                tax_included=figures.included,
                gross=Money.minor(gross, currency),
                net=Money.minor(net, currency),
                tax=Money.minor(gross - net, currency),
                order_discount_gross=Money.minor(gross_share, currency),
            )
        )
    return tuple(result)


def paid_line(order: Order, line_id: str) -> LinePaid | None:
    return next((line for line in paid_lines(order) if line.line_id == line_id), None)


def paid_unit_price(order: Order, line_id: str) -> Money:
    """What one unit cost after every discount, in the line's price mode, rounded with the order's
    price rounding mode: ReBound's `unitPrice` for the sales order."""
    line = paid_line(order, line_id)
    if line is None:
        raise DomainError(f"line {line_id} is not on order {order.id}")
    total = line.price_mode_total
    return Money.minor(divide_rounded(total.amount, line.quantity, order.priceRoundingMode), total.currency)


class LineTotalDiscrepancy(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    platform: Money
    recomputed: Money


def line_total_discrepancies(order: Order) -> list[LineTotalDiscrepancy]:
    """Lines whose platform `totalPrice` differs from the recomputed one (evidence for a review)."""
    found = []
    for _, line in order_lines(order):
        platform = line.totalPrice.to_money().to_currency_precision(order.priceRoundingMode)
        recomputed = recompute_line_total(order, line)
        if not platform.same_value(recomputed):
            found.append(LineTotalDiscrepancy(line_id=line.id, platform=platform, recomputed=recomputed))
    return found
