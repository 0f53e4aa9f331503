"""Properties of the refund calculation over random commercetools orders and any split of returns."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.domain.errors import BusinessRuleBroken
from backflow.domain.money import Money
from backflow.domain.order import Order
from backflow.domain.paid import paid_lines, shipping_paid
from backflow.domain.refunds import PriorRefund, ReturnedUnits, ShippingRefundPolicy, calculate_refund
from backflow.domain.rounding import round_fraction

from .orders import decode, order_json, partition


@st.composite
def order_and_returns(draw: st.DrawFn) -> tuple[dict[str, object], list[list[ReturnedUnits]]]:
    """An order and a sequence of returns: every line's units split into successive chunks."""
    order = draw(order_json())
    chunks: dict[str, list[int]] = {}
    for line in [*order["lineItems"], *order["customLineItems"]]:  # type: ignore[misc]
        chunks[line["id"]] = draw(partition(line["quantity"]))
    steps: list[list[ReturnedUnits]] = []
    while any(chunks.values()):
        # Each return takes the next chunk of some (at least one) of the lines still open.
        open_lines = [line_id for line_id, left in chunks.items() if left]
        taken = draw(st.sets(st.sampled_from(open_lines), min_size=1))
        steps.append([ReturnedUnits(line_id=i, quantity=chunks[i].pop(0)) for i in sorted(taken)])
    return order, steps


def _assert_paid_lines_consistent(order: Order) -> None:
    lines = paid_lines(order)
    for line in lines:
        assert line.gross == line.net + line.tax
        assert min(line.gross.amount, line.net.amount, line.tax.amount) >= 0
        if order.taxMode == "Disabled":
            assert line.tax.is_zero
    shares = sum((line.order_discount_gross for line in lines), Money.zero(order.currency))
    discount = order.discountOnTotalPrice
    if discount is None:
        assert shares.is_zero
    elif all(line.tax_included for line in lines):
        # Tax-included order: the gross shares are the discount itself, to the minor unit.
        assert shares == discount.discountedAmount.to_money()


@given(order_and_returns(), st.booleans(), st.sampled_from(list(ShippingRefundPolicy)))
def test_refunds_of_a_line_add_up_to_exactly_what_was_paid(
    case: tuple[dict[str, object], list[list[ReturnedUnits]]],
    with_amounts: bool,
    policy: ShippingRefundPolicy,
) -> None:
    raw, steps = case
    order = decode(raw)
    _assert_paid_lines_consistent(order)
    zero = Money.zero(order.currency)
    paid = {line.line_id: line for line in paid_lines(order)}
    prior: list[PriorRefund] = []
    refunded = {line_id: [zero, zero, zero] for line_id in paid}  # gross, net, tax
    shipping_refunds = []
    for step in steps:
        result = calculate_refund(order, step, prior, policy=policy)
        assert result.order_id == order.id and result.order_version == order.version
        assert result.currency == order.currency
        for line in result.lines:
            assert line.gross == line.net + line.tax
            for amount in (line.gross, line.net, line.tax):
                assert amount.amount >= 0 and amount.digits == zero.digits
            sums = refunded[line.line_id]
            refunded[line.line_id] = [sums[0] + line.gross, sums[1] + line.net, sums[2] + line.tax]
            amounts = {"gross": line.gross, "net": line.net, "tax": line.tax} if with_amounts else {}
            prior.append(PriorRefund(line_id=line.line_id, quantity=line.quantity, **amounts))
        if result.shipping is not None:
            assert min(result.shipping.net.amount, result.shipping.tax.amount) >= 0
            assert result.shipping.gross == result.shipping.net + result.shipping.tax
            shipping_refunds.append(result.shipping.gross)
        lines_total = sum((line.gross for line in result.lines), zero)
        assert result.total == lines_total + (result.shipping.gross if result.shipping else zero)
    for line_id, line in paid.items():
        assert refunded[line_id] == [line.gross, line.net, line.tax]
    shipping = shipping_paid(order)
    if shipping is None or policy is ShippingRefundPolicy.NEVER:
        assert shipping_refunds == []
    elif policy is ShippingRefundPolicy.WHEN_ORDER_FULLY_RETURNED:
        # Shipping comes back once, in full, with the return that completes the order.
        assert shipping_refunds == [shipping.gross]
    else:
        assert sum(shipping_refunds, zero) == shipping.gross


@given(order_json(), st.data())
def test_asking_for_more_than_remains_is_refused_with_the_named_rule(
    raw: dict[str, object], data: st.DataObject
) -> None:
    order = decode(raw)
    line = data.draw(st.sampled_from([*order.lineItems, *order.customLineItems]))
    already = data.draw(st.integers(0, line.quantity))
    excess = data.draw(st.integers(line.quantity - already + 1, line.quantity - already + 20))
    prior = [PriorRefund(line_id=line.id, quantity=already)] if already else []
    with pytest.raises(BusinessRuleBroken) as refused:
        calculate_refund(order, [ReturnedUnits(line_id=line.id, quantity=excess)], prior)
    assert refused.value.rule == "ReturnedQuantityWithinOrdered"


def _exact_share(paid: Money, units: int, of_units: int) -> Fraction:
    return Fraction(paid.amount * units, of_units)


@given(order_and_returns())
def test_every_partial_refund_is_its_exact_share_rounded_once(
    case: tuple[dict[str, object], list[list[ReturnedUnits]]],
) -> None:
    """Issue 13: a line's first refund is its exact share rounded with the order's priceRoundingMode;
    every refund is within one minor unit of its exact share. The same for prorated shipping. Earlier
    refunds given with their amounts or only by quantity give the same figures (no history needed)."""
    raw, steps = case
    order = decode(raw)
    mode = order.priceRoundingMode
    paid = {line.line_id: line for line in paid_lines(order)}
    charged = {line.id: line.totalPrice.centAmount for line in [*order.lineItems, *order.customLineItems]}
    for line in paid.values():
        if line.tax_included and order.discountOnTotalPrice is None:
            # What commercetools charged for the line, in minor units, is what its refunds share out.
            assert line.gross.amount == charged[line.line_id]
    shipping = shipping_paid(order)
    all_units = sum(line.quantity for line in paid.values())
    done = dict.fromkeys(paid, 0)
    shipped_units = 0
    recorded: list[PriorRefund] = []
    by_quantity: list[PriorRefund] = []
    policy = ShippingRefundPolicy.ALWAYS_PRORATED
    for step in steps:
        result = calculate_refund(order, step, recorded, policy=policy)
        assert calculate_refund(order, step, by_quantity, policy=policy) == result
        for refund in result.lines:
            line = paid[refund.line_id]
            exact = _exact_share(line.gross, refund.quantity, line.quantity)
            if done[refund.line_id] == 0:
                assert refund.gross.amount == round_fraction(exact, mode)
            assert abs(refund.gross.amount - exact) <= 1
            done[refund.line_id] += refund.quantity
            recorded.append(
                PriorRefund(
                    line_id=refund.line_id,
                    quantity=refund.quantity,
                    gross=refund.gross,
                    net=refund.net,
                    tax=refund.tax,
                )
            )
            by_quantity.append(PriorRefund(line_id=refund.line_id, quantity=refund.quantity))
        now = sum(refund.quantity for refund in result.lines)
        if shipping is None:
            assert result.shipping is None
        else:
            assert result.shipping is not None
            exact = _exact_share(shipping.gross, now, all_units)
            if shipped_units == 0:
                assert result.shipping.gross.amount == round_fraction(exact, mode)
            assert abs(result.shipping.gross.amount - exact) <= 1
        shipped_units += now
    assert all(done[line_id] == line.quantity for line_id, line in paid.items())
