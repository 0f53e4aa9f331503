"""A commercetools order as a ReBound sales order (contract §2): the one place the two shapes meet.

A contract that differs in detail from ours is absorbed here alone.
"""

from __future__ import annotations

from fractions import Fraction

from domain.money import Money
from domain.order import Address, CustomLineItem, LineItem, Order
from domain.rounding import RoundingMode, round_fraction
from ports.returns_platform import (
    SalesOrder,
    SalesOrderAddress,
    SalesOrderCustomer,
    SalesOrderCustomFields,
    SalesOrderItem,
)


def to_sales_order(order: Order, *, days_for_return: int | None = None) -> SalesOrder:
    return SalesOrder(
        clientOrderId=client_order_id(order),
        orderDate=order.createdAt,
        currency=order.currency,
        customer=_customer(order),
        items=[_item(order, line, days_for_return) for line in order.lineItems],
        customFields=SalesOrderCustomFields(
            ctOrderId=order.id,
            ctOrderVersion=order.version,
            store=order.store.key if order.store is not None else None,
        ),
    )


def client_order_id(order: Order) -> str:
    """The order number customers see on the portal, else the commercetools id."""
    return order.orderNumber or order.id


def _item(order: Order, line: LineItem, days_for_return: int | None) -> SalesOrderItem:
    return SalesOrderItem(
        clientItemId=line.id,
        sku=line.sku or line.variant.key or line.productId,
        quantity=line.quantity,
        unitPrice=paid_unit_price(order, line).to_decimal_string(),
        description=_name(line.name),
        daysForReturn=days_for_return,
    )


def _name(names: dict[str, str]) -> str | None:
    for locale in ("en", "en-GB", "en-US"):
        if locale in names:
            return names[locale]
    return next(iter(names.values()), None)


def _customer(order: Order) -> SalesOrderCustomer | None:
    address = order.shippingAddress
    if address is None:
        return SalesOrderCustomer(email=order.customerEmail) if order.customerEmail else None
    name = " ".join(part for part in (address.firstName, address.lastName) if part) or None
    return SalesOrderCustomer(
        name=name,
        email=order.customerEmail or address.email,
        phone=address.phone,
        address=_address(address),
    )


def _address(address: Address) -> SalesOrderAddress:
    street = " ".join(part for part in (address.streetName, address.streetNumber) if part) or None
    return SalesOrderAddress(
        country=address.country,
        line1=street,
        line2=address.additionalStreetInfo,
        city=address.city,
        postcode=address.postalCode,
    )


# ---------------------------------------------------------------------- paid unit price
# Kept apart on purpose: the domain's own paid-amount function replaces this once it lands.


def paid_unit_price(order: Order, line: LineItem) -> Money:
    """What the customer paid per unit of `line` after line and order discounts, in currency digits.

    The line's total comes from `discountedPricePerQuantity` (else the unit price times quantity),
    rounded at the order's `priceRoundingMode`; the order-level discount is prorated by line total.
    """
    currency = order.currency
    digits = Money.zero(currency).digits
    mode = order.priceRoundingMode
    line_total = _line_total(line, mode)
    paid = line_total.as_fraction()
    discount = order.discountOnTotalPrice
    if discount is not None:
        base = sum((_line_total(other, mode).as_fraction() for other in _all_lines(order)), Fraction(0))
        if base > 0:
            paid -= discount.discountedAmount.to_money().as_fraction() * line_total.as_fraction() / base
    if line.quantity <= 0:
        return Money.zero(currency)
    return Money(round_fraction(paid / line.quantity * 10**digits, mode), currency, digits)


def _all_lines(order: Order) -> list[LineItem | CustomLineItem]:
    return [*order.lineItems, *order.customLineItems]


def _line_total(line: LineItem | CustomLineItem, mode: RoundingMode) -> Money:
    if line.discountedPricePerQuantity:
        parts = [
            part.discountedPrice.value.to_money().times(part.quantity)
            for part in line.discountedPricePerQuantity
        ]
        exact = parts[0]
        for part in parts[1:]:
            exact = exact + part
    else:
        exact = _unit_price(line).times(line.quantity)
    return exact.to_currency_precision(mode)


def _unit_price(line: LineItem | CustomLineItem) -> Money:
    if isinstance(line, CustomLineItem):
        return line.money.to_money()
    if line.price.discounted is not None:
        return line.price.discounted.value.to_money()
    return line.price.value.to_money()
