"""commercetools order → ReBound sales order, and the paid unit price it carries."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from backflow.adapters.rebound.mapping import sales_order_digest, to_sales_order
from backflow.domain.money import Money
from backflow.domain.order import Order
from tests.rebound_support import line, money, order


def _discounted(cents: int, quantity: int) -> list[dict[str, object]]:
    return [{"quantity": quantity, "discountedPrice": {"value": money(cents), "includedDiscounts": []}}]


def test_the_body_follows_the_contract() -> None:
    sales = to_sales_order(order([line("li-1", "TEE-M-BLK", 3500, 2)]), days_for_return=30)
    encoded = msgspec.json.decode(msgspec.json.encode(sales))
    assert encoded == {
        "clientOrderId": "CT-100045",
        "orderDate": "2026-11-20T10:15:00Z",
        "currency": "GBP",
        "customer": {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0000",
            "address": {
                "country": "GB",
                "line1": "Baker Street 221B",
                "city": "London",
                "postcode": "NW1 6XE",
            },
        },
        "items": [
            {
                "clientItemId": "li-1",
                "sku": "TEE-M-BLK",
                "quantity": 2,
                "unitPrice": "35.00",
                "description": "Product TEE-M-BLK",
                "daysForReturn": 30,
            }
        ],
        "customFields": {"ctOrderId": "ct-order-1", "ctOrderVersion": 7, "store": "uk"},
    }
    assert sales.orderDate == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


def test_the_digest_leaves_the_version_out_and_follows_what_the_customer_sees() -> None:
    placed = order([line("li-1", "TEE-M-BLK", 3500, 2)])
    digest = sales_order_digest(placed, days_for_return=30)
    # Backflow's own writes (return info, shipment and payment states) move only the version.
    assert (
        sales_order_digest(msgspec.structs.replace(placed, version=placed.version + 3), days_for_return=30)
        == digest
    )
    assert sales_order_digest(order([line("li-1", "TEE-M-BLK", 3500, 1)]), days_for_return=30) != digest
    assert sales_order_digest(placed, days_for_return=14) != digest


def test_client_order_id_falls_back_to_the_commercetools_id() -> None:
    assert to_sales_order(order([], orderNumber=None)).clientOrderId == "ct-order-1"


def test_line_discounts_come_from_discounted_price_per_quantity() -> None:
    sale = line("li-1", "TEE", 3500, 3, discountedPricePerQuantity=_discounted(2999, 3))
    placed = order([sale])
    assert paid_unit_price(placed, placed.lineItems[0]) == Money.parse("29.99", "GBP")


def test_an_order_discount_is_prorated_by_line_total() -> None:
    # 100.00 + 50.00, 15.00 off the order: the first line carries 10.00 of it, over 3 units.
    lines = [line("a", "A", 10000, 1), line("b", "B", 2500, 2)]
    placed = order(lines, discountOnTotalPrice={"discountedAmount": money(1500)})
    assert paid_unit_price(placed, placed.lineItems[0]) == Money.parse("90.00", "GBP")
    assert paid_unit_price(placed, placed.lineItems[1]) == Money.parse("22.50", "GBP")


def paid_unit_price(placed: Order, line_item: object) -> Money:
    """The sales order's `unitPrice` for a line, read back as money."""
    line_id = line_item.id
    price = next(item.unitPrice for item in to_sales_order(placed).items if item.clientItemId == line_id)
    return Money.parse(price, placed.currency)


def test_high_precision_prices_round_at_the_orders_rounding_mode() -> None:
    precise = {
        "type": "highPrecision",
        "currencyCode": "GBP",
        "centAmount": 1000,
        "fractionDigits": 4,
        "preciseAmount": 99_950,
    }
    sale = line("li-1", "TEE", 0, 1)
    sale["price"] = {"value": precise}  # 9.9950 per unit: a tie at two digits
    # commercetools rounds the line total with the order's mode; the unit price follows from it.
    even = order([{**sale, "totalPrice": money(1000)}], priceRoundingMode="HalfEven")
    up = order([{**sale, "totalPrice": money(1000)}], priceRoundingMode="HalfUp")
    down = order([{**sale, "totalPrice": money(999)}], priceRoundingMode="HalfDown")
    assert paid_unit_price(even, even.lineItems[0]).to_decimal_string() == "10.00"
    assert paid_unit_price(up, up.lineItems[0]).to_decimal_string() == "10.00"
    assert paid_unit_price(down, down.lineItems[0]).to_decimal_string() == "9.99"
