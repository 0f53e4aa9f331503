"""Named business rules: each says in its name what must hold, and in its message why it did not.

`check_rule(rule)` raises BusinessRuleBroken carrying the rule's class name, so exceptions, logs and
tests can tell exactly which rule refused a return or a refund.
"""

from __future__ import annotations

import msgspec

from backflow.domain.errors import BusinessRuleBroken
from backflow.domain.money import Money


class BusinessRule(msgspec.Struct, frozen=True, kw_only=True):
    """A rule over the facts it was built with; subclasses define `is_broken` and `message`."""

    def is_broken(self) -> bool:
        raise NotImplementedError

    @property
    def message(self) -> str:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__


def check_rule(rule: BusinessRule) -> None:
    if rule.is_broken():
        raise BusinessRuleBroken(rule.name, rule.message)


class QuantityIsPositive(BusinessRule, frozen=True, kw_only=True):
    line_id: str
    quantity: int

    def is_broken(self) -> bool:
        return self.quantity <= 0

    @property
    def message(self) -> str:
        return f"line {self.line_id}: a returned quantity must be at least 1, not {self.quantity}"


class LineIsOnTheOrder(BusinessRule, frozen=True, kw_only=True):
    line_id: str
    order_id: str
    line_ids: frozenset[str]

    def is_broken(self) -> bool:
        return self.line_id not in self.line_ids

    @property
    def message(self) -> str:
        return f"line {self.line_id} is not a line item or custom line item of order {self.order_id}"


class SkuMatchesTheLine(BusinessRule, frozen=True, kw_only=True):
    """A returned item names the SKU it is; when it does, it must be the line's SKU."""

    line_id: str
    expected: str | None
    given: str | None

    def is_broken(self) -> bool:
        return self.given is not None and self.given != self.expected

    @property
    def message(self) -> str:
        return f"line {self.line_id} is SKU {self.expected!r}, the return names {self.given!r}"


class ReturnedQuantityWithinOrdered(BusinessRule, frozen=True, kw_only=True):
    """Across all returns of a line, never more units than were ordered."""

    line_id: str
    ordered: int
    already_returned: int
    requested: int

    def is_broken(self) -> bool:
        return self.already_returned + self.requested > self.ordered

    @property
    def message(self) -> str:
        remaining = max(self.ordered - self.already_returned, 0)
        return (
            f"line {self.line_id}: {self.requested} requested but only {remaining} remain "
            f"({self.ordered} ordered, {self.already_returned} already returned)"
        )


class RefundOnlyReceivedQuantity(BusinessRule, frozen=True, kw_only=True):
    """Money moves only for units the warehouse received, unless the milestone policy pays earlier."""

    line_id: str
    to_refund: int
    received: int
    already_refunded: int = 0
    milestone_pays_before_receipt: bool = False

    def is_broken(self) -> bool:
        if self.milestone_pays_before_receipt:
            return False
        return self.already_refunded + self.to_refund > self.received

    @property
    def message(self) -> str:
        return (
            f"line {self.line_id}: {self.to_refund} to refund, {self.already_refunded} refunded before, "
            f"but only {self.received} received"
        )


class ProposedRefundMatchesRecomputed(BusinessRule, frozen=True, kw_only=True):
    """ReBound's proposal must equal Backflow's recomputation from the latest order, to the cent."""

    return_id: str
    proposed: Money
    recomputed: Money

    def is_broken(self) -> bool:
        return self.proposed.currency != self.recomputed.currency or not self.proposed.same_value(
            self.recomputed
        )

    @property
    def message(self) -> str:
        return (
            f"return {self.return_id}: ReBound proposes {self.proposed}, the order supports {self.recomputed}"
        )


class RefundIsNotNegative(BusinessRule, frozen=True, kw_only=True):
    """A refund never takes money back: earlier refunds of a line already exceed its share."""

    line_id: str
    net: int
    tax: int

    def is_broken(self) -> bool:
        return self.net < 0 or self.tax < 0

    @property
    def message(self) -> str:
        return (
            f"line {self.line_id}: earlier refunds exceed what the order supports "
            f"(net {self.net}, tax {self.tax} minor units)"
        )
