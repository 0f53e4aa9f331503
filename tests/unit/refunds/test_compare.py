"""ReBound's proposal against Backflow's refund figures (app.refunds.compare), issue 13's case.

3 tins for 20.00 EUR (tests/fixtures/orders/three_for_twenty.json); ReBound's `unitPrice` is
R(2000/3) = 6.67 and its proposal is unitPrice x n. Backflow refunds R(2000*2/3) = 13.33 for two
units (it refunded 13.32 before issue 13, two cents off ReBound's 13.34 and a `refund_mismatch`).
"""

from __future__ import annotations

import msgspec

from backflow.app.core.refund_ledger import breakdown
from backflow.app.refunds.compare import compare
from backflow.domain.order import Order, decode_order
from backflow.domain.paid import paid_unit_price
from backflow.domain.refunds import PriorRefund, ReturnedUnits, calculate_refund
from backflow.domain.return_snapshot import RefundLine, RefundProposal
from backflow.ports.ledgers import Refund, RefundOutcome, RefundState
from tests.conftest import FIXTURES

LINE = "li-tea"
TOLERANCE = 1  # the default `refund_rounding_tolerance_minor`


def order() -> Order:
    return decode_order((FIXTURES / "orders" / "three_for_twenty.json").read_bytes())


def proposal(quantity: int, amount: str | None = None) -> RefundProposal:
    """ReBound's proposal for `quantity` units: its unit price (the one Backflow sent) times n."""
    amount = amount or paid_unit_price(order(), LINE).times(quantity).to_decimal_string()
    return RefundProposal(
        milestone="HUB_RECEIVED",
        outcome="ORIGINAL_PAYMENT",
        currency="EUR",
        totalAmount=amount,
        lines=[RefundLine(LINE, quantity, amount)],
    )


def test_two_of_three_for_twenty_is_within_tolerance_of_rebounds_13_34() -> None:
    calc = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=2)])
    assert calc.total.to_decimal_string() == "13.33"
    comparison = compare(calc, proposal(2), [], TOLERANCE)
    assert proposal(2).totalAmount == "13.34"
    assert comparison.within_tolerance
    [line] = comparison.lines
    assert (line.backflow, line.rebound, line.difference_minor) == ("13.33", "13.34", -1)
    assert (comparison.backflow_total, comparison.rebound_total) == ("13.33", "13.34")


def test_the_comparison_reads_the_figures_that_are_refunded() -> None:
    # The last unit, in the same return after the first two were refunded: cumulatively
    # 13.33 (recorded in the ledger) + 6.67 (now) = 20.00 against ReBound's 3 x 6.67 = 20.01.
    first = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=2)])
    [refunded] = first.lines
    earlier = Refund(
        interaction_id="backflow-refund:RB-1:1",
        return_id="RB-1",
        lines=msgspec.json.encode(breakdown(first, {LINE: ("item-1",)})),
        amount_minor=first.total.minor_units,
        currency="EUR",
        payment_id="pay-1",
        outcome=RefundOutcome.ORIGINAL_PAYMENT,
        state=RefundState.RECORDED,
    )
    prior = [PriorRefund(line_id=LINE, quantity=2, gross=refunded.gross, net=refunded.net, tax=refunded.tax)]
    last = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=1)], prior)
    assert last.total.to_decimal_string() == "6.67"
    comparison = compare(last, proposal(3), [earlier], TOLERANCE)
    assert comparison.within_tolerance
    assert (comparison.backflow_total, comparison.rebound_total) == ("20.00", "20.01")


def test_a_difference_beyond_the_tolerance_is_still_a_mismatch() -> None:
    calc = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=2)])
    assert not compare(calc, proposal(2, "13.35"), [], TOLERANCE).within_tolerance
    assert compare(calc, proposal(2, "13.35"), [], 2).within_tolerance


def _unit_prices() -> dict[str, int]:
    return {LINE: paid_unit_price(order(), LINE).to_currency_precision().amount}


def test_all_three_at_once_rebounds_unit_price_times_three_is_agreement() -> None:
    # 3 x R(2000/3) = 3 x 6.67 = 20.01 against the exact 20.00 that was paid: ReBound's own per-unit
    # rounding, within the tolerance here; with six units it is two cents, beyond any tolerance.
    calc = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=3)])
    assert compare(calc, proposal(3), [], TOLERANCE, unit_prices=_unit_prices()).within_tolerance


def test_unit_price_times_units_is_agreement_beyond_the_tolerance() -> None:
    # With no tolerance at all: 3 x 6.67 = 20.01 is a cent off the 20.00 paid, a mismatch by amount,
    # but exactly the unit price Backflow sent times three, so ReBound's rounding and not a disagreement
    # (six units would be two cents off; per-unit rounding grows with the units, a stale price does not
    # match the product at all).
    calc = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=3)])
    assert calc.total.to_decimal_string() == "20.00"
    assert not compare(calc, proposal(3), [], 0).within_tolerance
    assert compare(calc, proposal(3), [], 0, unit_prices=_unit_prices()).within_tolerance
    assert not compare(calc, proposal(3, "20.03"), [], 0, unit_prices=_unit_prices()).within_tolerance


def test_a_stale_unit_price_is_still_a_mismatch() -> None:
    # The order was edited since ReBound priced it (7.00 a unit then): 14.00 for two is not 2 x 6.67.
    calc = calculate_refund(order(), [ReturnedUnits(line_id=LINE, quantity=2)])
    stale = compare(calc, proposal(2, "14.00"), [], TOLERANCE, unit_prices=_unit_prices())
    assert not stale.within_tolerance
    [line] = stale.lines
    assert (line.backflow, line.rebound) == ("13.33", "14.00")
