"""Domain errors. Each carries a stable `code` that logs, exceptions and APIs can show verbatim."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"


class MoneyError(DomainError):
    code = "money_error"


class CurrencyMismatch(MoneyError):
    code = "currency_mismatch"


class InvalidAmount(MoneyError):
    code = "invalid_amount"


class BusinessRuleBroken(DomainError):
    """A named rule was broken; `rule` is the rule's name, `message` says why in plain words."""

    code = "business_rule_broken"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


class IllegalTransition(DomainError):
    code = "illegal_transition"
