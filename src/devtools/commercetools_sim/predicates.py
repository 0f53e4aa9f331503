"""A real parser and evaluator for the subset of commercetools query predicates Backflow uses.

Supported: `=`, `!=`/`<>`, `<`, `<=`, `>`, `>=`, `in (…)`, `not in (…)`, `is defined`, `is not defined`,
`is empty`, `is not empty`, `and`, `or`, `not(…)`, parentheses, nesting (`lineItems(variant(sku="X"))`,
which matches when any element of an array matches) and `:name` parameters bound from `var.name`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from backflow.devtools.commercetools_sim.errors import CtError, invalid

Predicate = Callable[[Any], bool]
_TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)|(?P<param>:[A-Za-z_]\w*)"""
    r"""|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][\w-]*))"""
)
_MISSING = object()


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise invalid(f"Malformed parameter: where: syntax error at position {pos} in '{text}'.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, variables: Mapping[str, str]) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.text = text
        self.variables = variables

    def error(self, what: str) -> CtError:
        return invalid(f"Malformed parameter: where: {what} in '{self.text}'.")

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def word(self, offset: int = 0) -> str:
        kind, value = self.peek(offset)
        return value.lower() if kind == "word" else ""

    def take(self, value: str) -> None:
        if self.peek()[1].lower() != value:
            raise self.error(f"expected '{value}'")
        self.pos += 1

    def parse(self) -> Predicate:
        result = self.disjunction()
        if self.pos != len(self.tokens):
            raise self.error(f"unexpected '{self.peek()[1]}'")
        return result

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.word() == "or":
            self.pos += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else lambda value: any(p(value) for p in parts)

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.word() == "and":
            self.pos += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else lambda value: all(p(value) for p in parts)

    def unary(self) -> Predicate:
        if self.word() == "not" and self.peek(1)[1] == "(":
            self.pos += 1
            inner = self.group()
            return lambda value: not inner(value)
        if self.peek()[1] == "(":
            return self.group()
        return self.field()

    def group(self) -> Predicate:
        self.take("(")
        inner = self.disjunction()
        self.take(")")
        return inner

    def field(self) -> Predicate:
        kind, name = self.peek()
        if kind != "word":
            raise self.error(f"expected a field name, got '{name}'")
        self.pos += 1
        if self.peek()[1] == "(":
            inner = self.group()
            return lambda value: _nested(value, name, inner)
        return self.condition(name)

    def condition(self, name: str) -> Predicate:
        kind, op = self.peek()
        if kind == "op" and op in ("=", "!=", "<>", "<", "<=", ">", ">="):
            self.pos += 1
            operand = self.literal()
            return lambda value: _compare(_get(value, name), op, operand)
        word = self.word()
        if word == "is":
            self.pos += 1
            negate = self.word() == "not"
            if negate:
                self.pos += 1
            test = self.word()
            self.pos += 1
            if test == "defined":
                return lambda value: (_get(value, name) is not _MISSING) != negate
            if test == "empty":
                return lambda value: (_get(value, name) in ([], {}, "", _MISSING)) != negate
            raise self.error(f"unknown test 'is {test}'")
        if word in ("in", "not"):
            negate = word == "not"
            self.pos += 2 if negate else 1
            if negate and self.tokens[self.pos - 1][1].lower() != "in":
                raise self.error("expected 'not in'")
            options = self.literal_list()
            return lambda value: _member(_get(value, name), options) != negate
        raise self.error(f"expected an operator after '{name}'")

    def literal_list(self) -> list[Any]:
        self.take("(")
        values = [self.literal()]
        while self.peek()[1] == ",":
            self.pos += 1
            values.append(self.literal())
        self.take(")")
        return values

    def literal(self) -> Any:
        kind, text = self.peek()
        self.pos += 1
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return float(text) if "." in text else int(text)
        if kind == "param":
            if text[1:] not in self.variables:
                raise invalid(f"Malformed parameter: where: missing value for parameter '{text}'.")
            return self.variables[text[1:]]
        if kind == "word" and text in ("true", "false"):
            return text == "true"
        raise self.error(f"expected a value, got '{text}'")


def _get(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return value.get(name, _MISSING) if value.get(name) is not None else _MISSING
    return _MISSING


def _nested(value: Any, name: str, inner: Predicate) -> bool:
    child = _get(value, name)
    if isinstance(child, list):
        return any(inner(element) for element in child)
    return child is not _MISSING and inner(child)


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if actual is _MISSING:
        return False
    if isinstance(actual, list):
        return any(_compare(element, op, expected) for element in actual)
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    if isinstance(actual, int | float) and isinstance(expected, str):
        try:
            expected = float(expected)
        except ValueError:
            return False
    try:
        if op == "=":
            return bool(actual == expected)
        if op in ("!=", "<>"):
            return bool(actual != expected)
        if op == "<":
            return bool(actual < expected)
        if op == "<=":
            return bool(actual <= expected)
        if op == ">":
            return bool(actual > expected)
        return bool(actual >= expected)
    except TypeError:
        return False


def _member(actual: Any, options: list[Any]) -> bool:
    return actual is not _MISSING and any(_compare(actual, "=", option) for option in options)


def compile_predicate(text: str, variables: Mapping[str, str] | None = None) -> Predicate:
    return _Parser(text, variables or {}).parse()
