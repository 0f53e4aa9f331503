"""Backflow's recomputed refund against ReBound's proposal, line by line, within a rounding tolerance.

Both sides are compared cumulatively for the return (what this return has been refunded before plus
what is refunded now), because ReBound's proposal is always the full snapshot of the return.
Backflow's side is the very figures refunded: the ledger's for earlier refunds, the calculation's for
this one (each line's exact share rounded once, `domain.refunds`), never a figure worked out again.
ReBound proposes its `unitPrice` (R(paid / q)) times n, so a rounding difference of a minor unit is
normal: within the tolerance Backflow's figure is refunded and nothing is raised.
ReBound prices in the order's price mode (its `unitPrice` is net for a tax-excluded line), so such
lines are compared on their net figures; the money refunded is still the gross that was paid.
"""

from __future__ import annotations

import msgspec

from app.core.refund_ledger import read_breakdown
from domain.money import Money
from domain.refunds import RefundCalculation
from domain.return_snapshot import RefundProposal
from ports.ledgers import Refund

SHIPPING = "shipping"


class LineFigures(msgspec.Struct, frozen=True, kw_only=True):
    line_id: str
    backflow: str
    rebound: str
    difference_minor: int


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    within_tolerance: bool
    currency: str
    lines: tuple[LineFigures, ...]
    backflow_total: str
    rebound_total: str
    tolerance_minor: int


def compare(
    calc: RefundCalculation,
    proposal: RefundProposal,
    earlier: list[Refund],
    tolerance_minor: int,
    *,
    net_lines: frozenset[str] = frozenset(),
) -> Comparison:
    """`net_lines`: the lines whose prices exclude tax (ReBound's figures for them are net)."""
    currency = calc.currency
    net_shipping = bool(net_lines) and all(line.line_id in net_lines for line in calc.lines)
    ours: dict[str, int] = {}
    for refund in earlier:
        parts = read_breakdown(refund)
        for line in parts.lines:
            figure = line.net_minor if line.line_id in net_lines else line.gross_minor
            ours[line.line_id] = ours.get(line.line_id, 0) + figure
        shipped = parts.shipping_net_minor if net_shipping else parts.shipping_gross_minor
        ours[SHIPPING] = ours.get(SHIPPING, 0) + shipped
    for refund_line in calc.lines:
        money = refund_line.net if refund_line.line_id in net_lines else refund_line.gross
        ours[refund_line.line_id] = ours.get(refund_line.line_id, 0) + money.minor_units
    if calc.shipping is not None:
        shipping = calc.shipping.net if net_shipping else calc.shipping.gross
        ours[SHIPPING] = ours.get(SHIPPING, 0) + shipping.minor_units
    same_currency = proposal.currency == currency
    theirs: dict[str, int] = {}
    if same_currency:
        theirs = {line_id: _minor(amount) for line_id, amount in proposal.line_amounts().items()}
        theirs[SHIPPING] = _minor(proposal.shipping())
    figures = []
    for line_id in sorted(set(ours) | set(theirs), key=lambda name: (name == SHIPPING, name)):
        a, b = ours.get(line_id, 0), theirs.get(line_id, 0)
        if line_id == SHIPPING and a == b == 0:
            continue
        figures.append(
            LineFigures(
                line_id=line_id,
                backflow=_text(a, currency),
                rebound=_text(b, currency),
                difference_minor=a - b,
            )
        )
    our_total = sum(ours.values())
    their_total = _minor(proposal.total()) if same_currency else 0
    within = (
        same_currency
        and all(abs(line.difference_minor) <= tolerance_minor for line in figures)
        and abs(our_total - their_total) <= tolerance_minor * max(len(figures), 1)
    )
    return Comparison(
        within_tolerance=within,
        currency=currency,
        lines=tuple(figures),
        backflow_total=_text(our_total, currency),
        rebound_total=proposal.totalAmount if not same_currency else _text(their_total, proposal.currency),
        tolerance_minor=tolerance_minor,
    )


def _minor(money: Money) -> int:
    return money.to_currency_precision().amount


def _text(minor: int, currency: str) -> str:
    return Money.minor(minor, currency).to_decimal_string()
