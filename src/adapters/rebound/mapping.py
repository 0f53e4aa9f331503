"""A commercetools order as a ReBound sales order (contract §2): the one place the two shapes meet.

A contract that differs in detail from ours is absorbed here alone.
"""

from __future__ import annotations

import hashlib

import msgspec

from backflow.domain.order import Address, LineItem, Order
from backflow.domain.paid import paid_unit_price
from backflow.ports.returns_platform import (
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


def sales_order_digest(order: Order, *, days_for_return: int | None = None) -> str:
    """The sales order's digest with its version left out: Backflow's own writes to an order (return
    info, shipment and payment states) move the version and nothing the customer sees."""
    body = to_sales_order(order, days_for_return=days_for_return)
    unversioned = msgspec.structs.replace(
        body, customFields=msgspec.structs.replace(body.customFields, ctOrderVersion=0)
    )
    return hashlib.sha256(msgspec.json.encode(unversioned)).hexdigest()


def client_order_id(order: Order) -> str:
    """The order number customers see on the portal, else the commercetools id."""
    return order.orderNumber or order.id


def _item(order: Order, line: LineItem, days_for_return: int | None) -> SalesOrderItem:
    return SalesOrderItem(
        clientItemId=line.id,
        sku=line.sku or line.variant.key or line.productId,
        quantity=line.quantity,
        unitPrice=paid_unit_price(order, line.id).to_decimal_string(),
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
