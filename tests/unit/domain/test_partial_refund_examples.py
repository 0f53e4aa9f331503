"""Issue 13's worked examples: every partial refund is its exact share, rounded once.

The rule: units k+1..k+n of a line of q units whose paid gross is P are refunded
R(P*(k+n)/q) - R(P*k/q), R rounding to the currency's minor unit with the order's priceRoundingMode;
the tax part is the same on the line's paid tax (taxRoundingMode), and net = gross - tax. Each
fixture is commercetools-shaped (tests/fixtures/orders), rounds HalfEven and has its VAT included.
Amounts are in minor units; "before" is what the floor-per-part rule refunded (net and tax each
floored, then added), measured on the unchanged code.
"""

from __future__ import annotations

import msgspec

from backflow.domain.money import Money
from backflow.domain.order import Order, decode_order
from backflow.domain.paid import paid_line, paid_unit_price
from backflow.domain.refunds import PriorRefund, ReturnedUnits, calculate_refund
from tests.conftest import FIXTURES

Refunded = tuple[int, int, int]  # gross, net, tax


def load(name: str) -> Order:
    return decode_order((FIXTURES / "orders" / name).read_bytes())


def refunds(order: Order, line_id: str, chunks: list[int]) -> list[Refunded]:
    """Successive returns of `chunks` units of one line, each measured against the recorded ones."""
    prior: list[PriorRefund] = []
    found = []
    for quantity in chunks:
        [line] = calculate_refund(order, [ReturnedUnits(line_id=line_id, quantity=quantity)], prior).lines
        prior.append(
            PriorRefund(line_id=line_id, quantity=quantity, gross=line.gross, net=line.net, tax=line.tax)
        )
        found.append((line.gross.amount, line.net.amount, line.tax.amount))
    return found


def paid(order: Order, line_id: str) -> Refunded:
    line = paid_line(order, line_id)
    assert line is not None
    return line.gross.amount, line.net.amount, line.tax.amount


def test_two_units_of_24_90_are_refunded_24_90_each() -> None:
    # 2 x 24.90 EUR, 19 % included: P = 4980; taxedPrice tax 4980*19/119 = 795.13 -> 795, net 4185.
    # Unit 1: gross R(4980*1/2) = 2490; tax R(795*1/2 = 397.5) = 398 (HalfEven); net 2490 - 398 = 2092.
    # Unit 2: gross R(4980) - 2490 = 2490; tax 795 - 398 = 397; net 2093.
    # Before: net floor(4185/2) = 2092 + tax floor(795/2) = 397 -> 24.89, then 24.91.
    order = load("two_units_24_90.json")
    assert paid(order, "li-mug") == (4980, 4185, 795)
    assert refunds(order, "li-mug", [1, 1]) == [(2490, 2092, 398), (2490, 2093, 397)]
    assert paid_unit_price(order, "li-mug") == Money.parse("24.90", "EUR")


def test_three_high_precision_units_returned_two_then_one() -> None:
    # 3 x 41.66667 EUR (highPrecision, 5 fraction digits) = 125.00001, which commercetools rounds
    # once (HalfEven) to the line total 125.00: P = 12500 minor units, the amount all refunds add up to.
    # Tax 12500*19/119 = 1995.80 -> 1996, net 10504.
    # Units 1-2: gross R(12500*2/3 = 8333.33) = 8333; tax R(1996*2/3 = 1330.67) = 1331; net 7002.
    # Unit 3: gross 12500 - 8333 = 4167; tax 1996 - 1331 = 665; net 3502.
    # Exact shares 8333.33 and 4166.67. Before: 7002 + 1330 = 83.32, then 41.68.
    order = load("high_precision_thirds.json")
    assert paid(order, "li-lamp") == (12500, 10504, 1996)
    assert refunds(order, "li-lamp", [2, 1]) == [(8333, 7002, 1331), (4167, 3502, 665)]
    assert paid_unit_price(order, "li-lamp") == Money.parse("41.67", "EUR")


def test_multi_buy_line_returned_one_then_three() -> None:
    # 4 socks GBP, multi-buy: discountedPricePerQuantity 3 x 17.99 + 1 x 9.00 = 62.97: P = 6297.
    # 20 % included: tax 6297/6 = 1049.5 -> 1050 (HalfEven), net 5247.
    # Unit 1: gross R(6297/4 = 1574.25) = 1574; tax R(1050/4 = 262.5) = 262 (HalfEven); net 1312.
    # Units 2-4: gross 6297 - 1574 = 4723; tax 1050 - 262 = 788; net 3935.
    # Exact shares 1574.25 and 4722.75. Before: 1311 + 262 = 15.73, then 47.24.
    order = load("multi_buy_four.json")
    assert paid(order, "li-sock") == (6297, 5247, 1050)
    assert refunds(order, "li-sock", [1, 3]) == [(1574, 1312, 262), (4723, 3935, 788)]


def test_three_for_twenty_returned_two_then_one() -> None:
    # 3 tins for 20.00 EUR (2 x 6.67 + 1 x 6.66 after the cart discount): P = 2000.
    # 19 % included: tax 2000*19/119 = 319.33 -> 319, net 1681.
    # Units 1-2: gross R(2000*2/3 = 1333.33) = 1333; tax R(319*2/3 = 212.67) = 213; net 1120.
    # Unit 3: gross 2000 - 1333 = 667; tax 319 - 213 = 106; net 561.
    # Before: 1120 + 212 = 13.32, then 6.68. ReBound's unitPrice is R(2000/3) = 6.67, so it proposes
    # 6.67 x 2 = 13.34 for the first return: one cent from 13.33, within the default tolerance (see
    # tests/unit/app/test_refund_check.py), where 13.32 was two cents off and blocked the refund.
    order = load("three_for_twenty.json")
    assert paid(order, "li-tea") == (2000, 1681, 319)
    assert refunds(order, "li-tea", [2, 1]) == [(1333, 1120, 213), (667, 561, 106)]
    assert paid_unit_price(order, "li-tea") == Money.parse("6.67", "EUR")


def test_the_same_units_in_one_return_refund_the_line_exactly() -> None:
    # Whatever the grouping, a line's refunds add up to P: all at once is P itself.
    for name, line_id, quantity, total in [
        ("two_units_24_90.json", "li-mug", 2, 4980),
        ("high_precision_thirds.json", "li-lamp", 3, 12500),
        ("multi_buy_four.json", "li-sock", 4, 6297),
        ("three_for_twenty.json", "li-tea", 3, 2000),
    ]:
        [(gross, _, _)] = refunds(load(name), line_id, [quantity])
        assert gross == total
        assert sum(g for g, _, _ in refunds(load(name), line_id, [1] * quantity)) == total


def test_a_high_precision_line_total_counts_at_its_cent_amount() -> None:
    # commercetools' totals are centPrecision; were one highPrecision, its centAmount is the
    # platform's own rounding (on drafts, either neighbour of preciseAmount) and what was charged.
    # 125.0050 EUR with centAmount 12501 on a HalfEven order: P = 12501, not a re-rounded 12500.
    raw = msgspec.json.decode((FIXTURES / "orders" / "high_precision_thirds.json").read_bytes())
    precise = {
        "type": "highPrecision",
        "currencyCode": "EUR",
        "centAmount": 12501,
        "preciseAmount": 1250050,
        "fractionDigits": 4,
    }
    line = raw["lineItems"][0]
    line["totalPrice"] = line["taxedPrice"]["totalGross"] = precise
    line["taxedPrice"]["totalNet"]["centAmount"] = 10505  # tax 1996
    raw["totalPrice"]["centAmount"] = 12501
    order = decode_order(msgspec.json.encode(raw))
    assert paid(order, "li-lamp") == (12501, 10505, 1996)
    # Units 1-2: R(12501*2/3 = 8334) = 8334; unit 3: 12501 - 8334 = 4167.
    assert [gross for gross, _, _ in refunds(order, "li-lamp", [2, 1])] == [8334, 4167]
