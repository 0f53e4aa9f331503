"""The simulator's query predicate parser and evaluator."""

from __future__ import annotations

import pytest

from backflow.devtools.commercetools_sim.errors import CtError
from backflow.devtools.commercetools_sim.predicates import compile_predicate

ORDER = {
    "id": "b",
    "orderNumber": "100",
    "createdAt": "2026-01-02T00:00:00.000Z",
    "lineItems": [{"variant": {"sku": "A"}, "quantity": 2}, {"variant": {"sku": "B"}, "quantity": 1}],
    "returnInfo": [{"items": [{"key": "rb-1", "shipmentState": "Advised"}]}],
    "supplyChannel": {"id": "ch-1"},
}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('orderNumber = "100"', True),
        ('orderNumber != "100"', False),
        ('orderNumber <> "101"', True),
        ('id > "a"', True),
        ('id >= "b" and id <= "b"', True),
        ('id < "b"', False),
        ('createdAt > "2026-01-01T00:00:00.000Z"', True),
        ('lineItems(variant(sku = "B"))', True),
        ('lineItems(variant(sku = "C"))', False),
        ('lineItems(quantity > 1 and variant(sku = "A"))', True),
        ('lineItems(quantity > 1 and variant(sku = "B"))', False),
        ('returnInfo(items(key = "rb-1"))', True),
        ('supplyChannel(id = "ch-1")', True),
        ('orderNumber in ("1", "100")', True),
        ('orderNumber not in ("1", "100")', False),
        ("customerEmail is not defined", True),
        ("customerEmail is defined", False),
        ("orderNumber is defined", True),
        ('not(orderNumber = "100")', False),
        ('orderNumber = "1" or (id = "b" and not(id = "c"))', True),
        ("returnInfo is not empty", True),
    ],
)
def test_predicates(where: str, expected: bool) -> None:
    assert compile_predicate(where)(ORDER) is expected


def test_parameters() -> None:
    assert compile_predicate("orderNumber = :n and id > :last", {"n": "100", "last": "a"})(ORDER)
    with pytest.raises(CtError):
        compile_predicate("orderNumber = :missing")


@pytest.mark.parametrize("where", ['orderNumber = "1', "orderNumber ==", "(id = 1", 'id = "a" and', "id ~ 1"])
def test_syntax_errors_are_400(where: str) -> None:
    with pytest.raises(CtError) as caught:
        compile_predicate(where)
    assert caught.value.status == 400 and caught.value.code == "InvalidInput"
