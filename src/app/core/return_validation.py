"""Validating a return against its order: each item on a line of the order with the same SKU, and the
units returned across ALL returns of a line (items of other returns already on the order count)
never above the units ordered."""

from __future__ import annotations

from collections import Counter

from backflow.app.core import keys
from backflow.domain.errors import BusinessRuleBroken
from backflow.domain.order import Order
from backflow.domain.paid import paid_lines
from backflow.domain.return_case import CaseItem, ReturnCase
from backflow.domain.rules import (
    BusinessRule,
    LineIsOnTheOrder,
    ReturnedQuantityWithinOrdered,
    SkuMatchesTheLine,
    check_rule,
)


def validate_items(order: Order, case: ReturnCase) -> list[dict[str, str]]:
    """Each item on a line of the order, the same SKU, and never more units across all returns."""
    lines = {line.line_id: line for line in paid_lines(order)}
    ours = {item.rebound_item_id for item in case.items}
    others: Counter[str] = Counter()
    for existing in order.return_items():
        if existing.key not in {keys.return_item_key(item_id) for item_id in ours}:
            others[existing.lineItemId or existing.customLineItemId or ""] += existing.quantity
    asked: Counter[str] = Counter()
    problems: list[dict[str, str]] = []
    for item in returnable(case):
        asked[item.line_id] += item.quantity_expected
        rules: list[BusinessRule] = [
            LineIsOnTheOrder(line_id=item.line_id, order_id=order.id, line_ids=frozenset(lines))
        ]
        if item.line_id in lines:
            rules.append(
                SkuMatchesTheLine(line_id=item.line_id, expected=lines[item.line_id].sku, given=item.sku)
            )
        for rule in rules:
            try:
                check_rule(rule)
            except BusinessRuleBroken as broken:
                problems.append(
                    {"item": item.rebound_item_id, "rule": broken.rule, "message": broken.message}
                )
    for line_id, requested in asked.items():
        if line_id not in lines:
            continue
        quantity_rule = ReturnedQuantityWithinOrdered(
            line_id=line_id,
            ordered=lines[line_id].quantity,
            already_returned=others[line_id],
            requested=requested,
        )
        if quantity_rule.is_broken():
            problems.append({"item": line_id, "rule": quantity_rule.name, "message": quantity_rule.message})
    return problems


def returnable(case: ReturnCase) -> list[CaseItem]:
    """Items ReBound matched to an order line (an unexpected item has none) with units expected."""
    return [item for item in case.items if item.line_id and item.quantity_expected > 0]
