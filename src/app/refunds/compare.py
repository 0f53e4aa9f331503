"""Judge a refund: recompute it from the latest order and the ledger, compare it with ReBound's
proposal, apply finance's decision; the verdict says what follows (pay, mismatch, rejected, refused).

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

from collections.abc import Mapping

import msgspec

from backflow.app.core import keys
from backflow.app.core.policies import RefundPolicy
from backflow.app.core.refund_ledger import breakdown, priors, read_breakdown, shipping_refunded
from backflow.domain.errors import BusinessRuleBroken, DomainError
from backflow.domain.money import Money
from backflow.domain.order import Order
from backflow.domain.paid import paid_lines, paid_unit_price
from backflow.domain.refunds import RefundCalculation, ReturnedUnits, calculate_refund
from backflow.domain.return_case import CaseItem
from backflow.domain.return_snapshot import RefundProposal
from backflow.ports.decisions import Decision, RefundDecision
from backflow.ports.ledgers import Refund, RefundOutcome, RefundState

SHIPPING = "shipping"
_OUTCOMES = {
    "ORIGINAL_PAYMENT": RefundOutcome.ORIGINAL_PAYMENT,
    "STORE_CREDIT": RefundOutcome.STORE_CREDIT,
    "GIFT_CARD": RefundOutcome.STORE_CREDIT,  # a gift card is store credit: no payment transaction
    "EXCHANGE": None,  # no money moves
}


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
    unit_prices: Mapping[str, int] | None = None,
) -> Comparison:
    """`net_lines`: the lines whose prices exclude tax (ReBound's figures for them are net).
    `unit_prices`: per line, the paid unit price Backflow syncs to ReBound now (minor units, the line's
    price mode). A line ReBound proposes at exactly that price times its units differs from the exact
    share by ReBound's own per-unit rounding only (up to half a minor unit per unit): that is agreement,
    while a stale price (an order edited since) still differs and is a mismatch."""
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
    units: dict[str, int] = {}
    if same_currency:
        theirs = {line_id: _minor(amount) for line_id, amount in proposal.line_amounts().items()}
        theirs[SHIPPING] = _minor(proposal.shipping())
        for proposed in proposal.lines:
            units[proposed.clientItemId] = units.get(proposed.clientItemId, 0) + proposed.quantity
    prices = unit_prices or {}
    unit_priced = {
        line_id
        for line_id, amount in theirs.items()
        if line_id in prices and units.get(line_id, 0) > 0 and amount == prices[line_id] * units[line_id]
    }
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
    rounding = sum(abs(line.difference_minor) for line in figures if line.line_id in unit_priced)
    others = [line for line in figures if line.line_id not in unit_priced]
    within = (
        same_currency
        and all(abs(line.difference_minor) <= tolerance_minor for line in others)
        and abs(our_total - their_total) <= tolerance_minor * max(len(others), 1) + rounding
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


class RefundFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What the ledger holds for one refund trigger, read in one unit of work."""

    order_refunds: list[Refund]
    """Every refund recorded against the order (over all its returns): the allocation continues them."""
    this_return: list[Refund]
    decisions: list[RefundDecision]
    """Finance's decisions on this trigger, oldest first."""


class RefundPlan(msgspec.Struct, frozen=True, kw_only=True):
    interaction_id: str
    calc: RefundCalculation
    due: list[tuple[CaseItem, int]]
    outcome: RefundOutcome | None
    """None for an exchange: no money moves."""
    proposal_outcome: str
    payment_id: str | None
    comparison: Comparison
    adjustment_minor: int = 0
    """What finance approved beyond Backflow's figure (ReBound's amount approved); 0 otherwise."""
    planned: bool = False
    """The ledger holds this refund's PLANNED row already (an earlier attempt wrote it)."""

    @property
    def amount(self) -> Money:
        """What is paid: Backflow's figure, plus an approved adjustment."""
        return Money.minor(self.calc.total.minor_units + self.adjustment_minor, self.calc.currency)

    def with_payment(self, payment_id: str) -> RefundPlan:
        return msgspec.structs.replace(self, payment_id=payment_id)

    def items_by_line(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for item, _ in self.due:
            found[item.line_id] = (*found.get(item.line_id, ()), item.rebound_item_id)
        return found

    def ledger_row(self, return_id: str, state: RefundState) -> Refund:
        assert self.outcome is not None
        parts = breakdown(self.calc, self.items_by_line(), self.adjustment_minor)
        return Refund(
            interaction_id=self.interaction_id,
            return_id=return_id,
            lines=msgspec.json.encode(parts),
            amount_minor=self.amount.minor_units,
            currency=self.calc.currency,
            payment_id=self.payment_id,
            outcome=self.outcome,
            state=state,
        )


class Pay(msgspec.Struct, frozen=True):
    plan: RefundPlan


class Mismatch(msgspec.Struct, frozen=True):
    comparison: Comparison


class RejectedByFinance(msgspec.Struct, frozen=True):
    actor: str


class Refused(msgspec.Struct, frozen=True):
    """The refund cannot be made as asked (a broken rule, an amount not positive, an unknown outcome)."""

    detail: dict[str, object]


Verdict = Pay | Mismatch | RejectedByFinance | Refused


def assess(
    order: Order,
    proposal: RefundProposal,
    due: list[tuple[CaseItem, int]],
    facts: RefundFacts,
    *,
    return_id: str,
    sequence: int,
    refund_policy: RefundPolicy,
) -> Verdict:
    """The refund of `due` units as the latest order and the ledger support it, against the proposal."""
    units = [ReturnedUnits(line_id=item.line_id, quantity=n, sku=item.sku) for item, n in due]
    try:
        calc = calculate_refund(
            order,
            units,
            priors(facts.order_refunds),
            policy=refund_policy.shipping,
            shipping_refunded=shipping_refunded(facts.order_refunds, order.currency),
        )
    except BusinessRuleBroken as broken:
        return Refused({"rule": broken.rule, "message": broken.message})
    recorded = [r for r in facts.this_return if r.state is RefundState.RECORDED]
    lines = paid_lines(order)
    net_lines = frozenset(line.line_id for line in lines if not line.tax_included)
    unit_prices = {line.line_id: _minor(paid_unit_price(order, line.line_id)) for line in lines}
    comparison = compare(
        calc, proposal, recorded, refund_policy.tolerance_minor, net_lines=net_lines, unit_prices=unit_prices
    )
    decided = facts.decisions[-1] if facts.decisions else None
    if decided is not None and decided.decision is Decision.REJECT:
        return RejectedByFinance(decided.actor)
    adjustment = 0
    if not comparison.within_tolerance:
        if decided is None or not decided_on_these_figures(decided, comparison):
            return Mismatch(comparison)
        if decided.decision is Decision.APPROVE_REBOUND:
            adjustment = decided.rebound_total_minor - decided.backflow_total_minor
        if calc.total.minor_units + adjustment <= 0:
            return Refused({"message": "the approved amount is not positive"})
    if proposal.outcome not in _OUTCOMES:
        return Refused({"message": f"unknown refund outcome {proposal.outcome!r}"})
    planned = next((r for r in facts.this_return if r.state is RefundState.PLANNED), None)
    return Pay(
        RefundPlan(
            interaction_id=planned.interaction_id
            if planned
            else keys.refund_interaction_id(return_id, sequence),
            calc=calc,
            due=due,
            outcome=_OUTCOMES[proposal.outcome],
            proposal_outcome=proposal.outcome,
            payment_id=None,
            comparison=comparison,
            adjustment_minor=adjustment,
            planned=planned is not None,
        )
    )


def decided_on_these_figures(decided: RefundDecision, comparison: Comparison) -> bool:
    """A decision holds only for the figures finance saw: a changed order or proposal needs a new one."""
    currency = comparison.currency
    try:
        ours = Money.parse(comparison.backflow_total, currency).minor_units
        theirs = Money.parse(comparison.rebound_total, currency).minor_units
    except DomainError:
        return False
    return (decided.currency, decided.backflow_total_minor, decided.rebound_total_minor) == (
        currency,
        ours,
        theirs,
    )
