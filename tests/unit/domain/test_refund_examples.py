"""Worked examples on commercetools-shaped order JSON (tests/fixtures/orders), refunds done by hand.

Allocation reminder (issue 13): after m of q units, a line has refunded R(gross*m/q) gross and
R(tax*m/q) tax, R rounding once to the minor unit with the order's priceRoundingMode (taxRoundingMode
for the tax); net = gross - tax. A refund is the difference of two cumulative figures. All fixtures
round HalfEven. Amounts below are in minor units.
"""

from __future__ import annotations

import pytest

from backflow.domain.errors import BusinessRuleBroken
from backflow.domain.money import Money
from backflow.domain.order import Order, decode_order
from backflow.domain.paid import paid_line, paid_unit_price
from backflow.domain.refunds import PriorRefund, ReturnedUnits, ShippingRefundPolicy, calculate_refund
from tests.conftest import FIXTURES


def load(name: str) -> Order:
    return decode_order((FIXTURES / "orders" / name).read_bytes())


def amounts(order: Order, line_id: str, quantity: int, prior: int = 0) -> tuple[int, int, int]:
    prior_refunds = [PriorRefund(line_id=line_id, quantity=prior)] if prior else []
    line = calculate_refund(order, [ReturnedUnits(line_id=line_id, quantity=quantity)], prior_refunds).lines[
        0
    ]
    return line.gross.amount, line.net.amount, line.tax.amount


def test_high_precision_price() -> None:
    # 3 x 12.34567 EUR (highPrecision, 5 digits) = 37.03701 -> HalfEven -> 37.04 (3704).
    # 19% included, no taxedPrice: tax = 3704*19/119 = 591.39 -> 591, net 3113.
    # 1 unit: gross R(3704/3 = 1234.67) = 1235, tax R(591/3) = 197, net 1038.
    # The other 2: gross 3704 - 1235 = 2469, tax 591 - 197 = 394, net 2075.
    order = load("high_precision.json")
    assert amounts(order, "li-hp", 1) == (1235, 1038, 197)
    assert amounts(order, "li-hp", 2, prior=1) == (2469, 2075, 394)
    # ReBound unitPrice: 3704 / 3 = 1234.67 -> 12.35.
    assert paid_unit_price(order, "li-hp") == Money.parse("12.35", "EUR")


def test_multi_buy_cart_discount() -> None:
    # 3 for 2: discountedPricePerQuantity 2 x 10.00 + 1 x 0.00 = 20.00; taxedPrice net 16.67, gross 20.00.
    # 1 unit: gross R(2000/3 = 666.67) = 667, tax R(333/3) = 111, net 556 -> 6.67 (the unit price
    # ReBound is given); all 3 together -> 20.00 exactly.
    order = load("multi_buy.json")
    assert amounts(order, "li-tee", 1) == (667, 556, 111)
    assert amounts(order, "li-tee", 3) == (2000, 1667, 333)
    assert paid_unit_price(order, "li-tee") == Money.parse("6.67", "GBP")


def test_order_level_discount_prorated() -> None:
    # Lines A 2 x 50.00 = 100.00 and B 25.00; 10.00 off the order (gross, 19% included).
    # Largest remainder by line total: A 10.00*100/125 = 8.00, B 2.00.
    # A: tax 10000*19/119 = 1596.64 -> 1597, net 8403; share tax 800*1597/10000 = 127.76 -> 128, net 672.
    # A paid: gross 9200, net 7731, tax 1469. 1 unit: gross R(9200/2) = 4600,
    # tax R(1469/2 = 734.5) = 734 (HalfEven), net 3866 -> 46.00.
    order = load("order_discount.json")
    line = paid_line(order, "li-a")
    assert line is not None
    assert (line.gross.amount, line.net.amount, line.tax.amount) == (9200, 7731, 1469)
    assert amounts(order, "li-a", 1) == (4600, 3866, 734)
    assert amounts(order, "li-b", 1)[0] == 2300
    assert paid_unit_price(order, "li-a") == Money.parse("46.00", "EUR")


def test_tax_excluded_us_order_with_shipping() -> None:
    # 2 x 19.99 net, 6.25% sales tax on top: taxedPrice net 39.98, gross 42.48 (tax 2.50).
    # 1 unit: gross R(4248/2) = 2124, tax R(250/2) = 125, net 1999 -> 21.24. Shipping 5.99 (untaxed)
    # only with the return that completes the order (default policy): second refund 21.24 + 5.99 = 27.23.
    order = load("us_tax_excluded.json")
    first = calculate_refund(order, [ReturnedUnits(line_id="li-cap", quantity=1)])
    assert first.total == Money.parse("21.24", "USD") and first.shipping is None
    second = calculate_refund(
        order, [ReturnedUnits(line_id="li-cap", quantity=1)], [PriorRefund(line_id="li-cap", quantity=1)]
    )
    assert second.lines[0].gross == Money.parse("21.24", "USD")
    assert second.shipping is not None and second.shipping.gross == Money.parse("5.99", "USD")
    assert second.total == Money.parse("27.23", "USD")
    never = calculate_refund(
        order, [ReturnedUnits(line_id="li-cap", quantity=2)], policy=ShippingRefundPolicy.NEVER
    )
    assert never.total == Money.parse("42.48", "USD")
    # Tax excluded: ReBound's unitPrice is the net price per unit.
    assert paid_unit_price(order, "li-cap") == Money.parse("19.99", "USD")


def test_jpy_order_with_order_discount() -> None:
    # 3 x 1100 JPY, 10% included: tax 3300*0.1/1.1 = 300, net 3000. 100 JPY off the order, all on
    # this line; its tax part 100*300/3300 = 9.09 -> 9. Paid: gross 3200, net 2909, tax 291.
    # 1 unit: gross R(3200/3 = 1066.67) = 1067, tax R(291/3) = 97, net 970.
    # The other 2: gross 3200 - 1067 = 2133, tax 291 - 97 = 194, net 1939.
    order = load("jpy.json")
    assert amounts(order, "li-tea", 1) == (1067, 970, 97)
    assert amounts(order, "li-tea", 2, prior=1) == (2133, 1939, 194)
    assert paid_unit_price(order, "li-tea") == Money.parse("1067", "JPY")


def test_named_rules_refuse_bad_requests() -> None:
    order = load("order_discount.json")
    cases = [
        (ReturnedUnits(line_id="nope", quantity=1), "LineIsOnTheOrder"),
        (ReturnedUnits(line_id="li-a", quantity=0), "QuantityIsPositive"),
        (ReturnedUnits(line_id="li-a", quantity=1, sku="SOCK-3P"), "SkuMatchesTheLine"),
        (ReturnedUnits(line_id="li-a", quantity=3), "ReturnedQuantityWithinOrdered"),
    ]
    for request, rule in cases:
        with pytest.raises(BusinessRuleBroken) as refused:
            calculate_refund(order, [request])
        assert refused.value.rule == rule
