"""The part of a commercetools order that returns need, decoded straight from commercetools JSON.

Field names are commercetools' own (camelCase) so that one reused typed decoder reads the API's
response without any mapping layer; unknown fields are ignored by msgspec. The structs are frozen
read models: Backflow never edits an order locally, it re-reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from backflow.domain.money import Money, TypedMoney
from backflow.domain.rounding import RoundingMode

TaxMode = Literal["Platform", "External", "ExternalAmount", "Disabled"]
TaxCalculationMode = Literal["LineItemLevel", "UnitPriceLevel"]
ReturnShipmentState = Literal["Advised", "Returned", "BackInStock", "Unusable"]
ReturnPaymentState = Literal["NonRefundable", "Initial", "Refunded", "NotRefunded"]


class Reference(msgspec.Struct, frozen=True):
    typeId: str  # commercetools field names are camelCase
    id: str | None = None
    key: str | None = None


class CustomFields(msgspec.Struct, frozen=True):
    type: Reference | None = None
    fields: dict[str, object] = {}


class DiscountedPrice(msgspec.Struct, frozen=True):
    """A product-discounted unit price (`price.discounted`)."""

    value: TypedMoney
    discount: Reference | None = None


class Price(msgspec.Struct, frozen=True):
    value: TypedMoney
    id: str | None = None
    discounted: DiscountedPrice | None = None


class Variant(msgspec.Struct, frozen=True):
    id: int | None = None
    sku: str | None = None
    key: str | None = None


class DiscountedAmount(msgspec.Struct, frozen=True):
    discount: Reference
    discountedAmount: TypedMoney


class DiscountedLineItemPrice(msgspec.Struct, frozen=True):
    value: TypedMoney
    includedDiscounts: list[DiscountedAmount] = []


class DiscountedLineItemPriceForQuantity(msgspec.Struct, frozen=True):
    quantity: int
    discountedPrice: DiscountedLineItemPrice


class SubRate(msgspec.Struct, frozen=True):
    name: str
    amount: msgspec.Raw


class TaxRate(msgspec.Struct, frozen=True):
    """`amount` is a JSON number (0.19): kept as raw text and read as an exact rational, never a float."""

    name: str
    amount: msgspec.Raw
    includedInPrice: bool
    country: str
    id: str | None = None
    state: str | None = None
    subRates: list[SubRate] = []


class TaxPortion(msgspec.Struct, frozen=True):
    rate: msgspec.Raw
    amount: TypedMoney
    name: str | None = None


class TaxedPrice(msgspec.Struct, frozen=True):
    totalNet: TypedMoney
    totalGross: TypedMoney
    taxPortions: list[TaxPortion] = []
    totalTax: TypedMoney | None = None


class TaxedItemPrice(msgspec.Struct, frozen=True):
    totalNet: TypedMoney
    totalGross: TypedMoney
    totalTax: TypedMoney | None = None


class ItemState(msgspec.Struct, frozen=True):
    quantity: int
    state: Reference


class LineItem(msgspec.Struct, frozen=True):
    id: str
    productId: str
    variant: Variant
    price: Price
    quantity: int
    totalPrice: TypedMoney
    name: dict[str, str] = {}
    key: str | None = None
    discountedPricePerQuantity: list[DiscountedLineItemPriceForQuantity] = []
    taxedPrice: TaxedItemPrice | None = None
    taxRate: TaxRate | None = None
    state: list[ItemState] = []
    supplyChannel: Reference | None = None
    priceMode: str = "Platform"
    lineItemMode: str = "Standard"
    custom: CustomFields | None = None

    @property
    def sku(self) -> str | None:
        return self.variant.sku


class CustomLineItem(msgspec.Struct, frozen=True):
    id: str
    money: TypedMoney
    quantity: int
    totalPrice: TypedMoney
    name: dict[str, str] = {}
    slug: str = ""
    key: str | None = None
    discountedPricePerQuantity: list[DiscountedLineItemPriceForQuantity] = []
    taxedPrice: TaxedItemPrice | None = None
    taxRate: TaxRate | None = None
    priceMode: str = "Standard"
    custom: CustomFields | None = None


class DiscountOnTotalPrice(msgspec.Struct, frozen=True):
    discountedAmount: TypedMoney
    includedDiscounts: list[DiscountedAmount] = []
    discountedNetAmount: TypedMoney | None = None
    discountedGrossAmount: TypedMoney | None = None


class ShippingInfo(msgspec.Struct, frozen=True):
    price: TypedMoney
    shippingMethodName: str = ""
    taxedPrice: TaxedItemPrice | None = None
    taxRate: TaxRate | None = None
    discountedPrice: DiscountedLineItemPrice | None = None
    shippingMethodState: str | None = None


class ReturnItem(msgspec.Struct, frozen=True):
    id: str
    quantity: int
    shipmentState: ReturnShipmentState
    paymentState: ReturnPaymentState
    type: str = "LineItemReturnItem"
    key: str | None = None
    lineItemId: str | None = None
    customLineItemId: str | None = None
    comment: str | None = None
    custom: CustomFields | None = None
    createdAt: datetime | None = None
    lastModifiedAt: datetime | None = None


class ReturnInfo(msgspec.Struct, frozen=True):
    items: list[ReturnItem] = []
    returnTrackingId: str | None = None
    returnDate: datetime | None = None


class PaymentInfo(msgspec.Struct, frozen=True):
    payments: list[Reference] = []


class Address(msgspec.Struct, frozen=True):
    country: str = ""
    firstName: str | None = None
    lastName: str | None = None
    streetName: str | None = None
    streetNumber: str | None = None
    additionalStreetInfo: str | None = None
    postalCode: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None


class Order(msgspec.Struct, frozen=True):
    id: str
    version: int
    totalPrice: TypedMoney
    createdAt: datetime
    lastModifiedAt: datetime
    orderNumber: str | None = None
    customerId: str | None = None
    customerEmail: str | None = None
    store: Reference | None = None
    lineItems: list[LineItem] = []
    customLineItems: list[CustomLineItem] = []
    taxedPrice: TaxedPrice | None = None
    taxedShippingPrice: TaxedPrice | None = None
    discountOnTotalPrice: DiscountOnTotalPrice | None = None
    taxMode: TaxMode = "Platform"
    taxCalculationMode: TaxCalculationMode = "LineItemLevel"
    priceRoundingMode: RoundingMode = RoundingMode.HALF_EVEN
    taxRoundingMode: RoundingMode = RoundingMode.HALF_EVEN
    shippingAddress: Address | None = None
    shippingInfo: ShippingInfo | None = None
    paymentInfo: PaymentInfo | None = None
    returnInfo: list[ReturnInfo] = []
    orderState: str = "Open"
    paymentState: str | None = None
    shipmentState: str | None = None
    completedAt: datetime | None = None
    custom: CustomFields | None = None

    @property
    def currency(self) -> str:
        return self.totalPrice.currencyCode

    @property
    def total(self) -> Money:
        return self.totalPrice.to_money()

    def line_item(self, line_id: str) -> LineItem | None:
        return next((line for line in self.lineItems if line.id == line_id), None)

    def custom_line_item(self, line_id: str) -> CustomLineItem | None:
        return next((line for line in self.customLineItems if line.id == line_id), None)

    def return_items(self) -> list[ReturnItem]:
        return [item for info in self.returnInfo for item in info.items]

    def return_item_by_key(self, key: str) -> ReturnItem | None:
        return next((item for item in self.return_items() if item.key == key), None)

    @property
    def payment_ids(self) -> list[str]:
        if self.paymentInfo is None:
            return []
        return [ref.id for ref in self.paymentInfo.payments if ref.id is not None]


ORDER_DECODER = msgspec.json.Decoder(Order)
"""One reused typed decoder for commercetools order JSON."""


def decode_order(raw: bytes | str) -> Order:
    return ORDER_DECODER.decode(raw)
