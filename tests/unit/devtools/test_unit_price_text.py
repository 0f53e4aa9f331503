"""The busy day's ReBound items carry unit prices in major units with the currency's own digits."""

from __future__ import annotations

from backflow.devtools.busy_day.catalog import unit_price_text


def placed(cents: int, quantity: int, currency: str, digits: int) -> dict[str, object]:
    money = {"currencyCode": currency, "centAmount": cents, "fractionDigits": digits}
    return {"quantity": quantity, "totalPrice": money}


def test_two_digit_currencies_show_cents() -> None:
    assert unit_price_text(placed(2598, 2, "EUR", 2)) == "12.99"
    assert unit_price_text(placed(5, 1, "EUR", 2)) == "0.05"


def test_a_currency_without_minor_units_is_whole() -> None:
    assert unit_price_text(placed(3200, 2, "JPY", 0)) == "1600"


def test_a_cart_line_uses_its_list_price() -> None:
    line = {
        "quantity": 3,
        "price": {"value": {"currencyCode": "JPY", "centAmount": 980, "fractionDigits": 0}},
    }
    assert unit_price_text(line) == "980"
    line = {"quantity": 1, "price": {"value": {"currencyCode": "EUR", "centAmount": 1999}}}
    assert unit_price_text(line) == "19.99"
