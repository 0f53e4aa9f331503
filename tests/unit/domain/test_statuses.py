"""Restock decisions per disposition and the commercetools item states that follow from a return."""

from __future__ import annotations

import pytest

from backflow.domain.statuses import (
    Disposition,
    ReboundStatus,
    RestockPolicy,
    RestockTarget,
    Unknown,
    parse_disposition,
    parse_status,
    payment_state,
    restock_target,
    shipment_state,
)

D, T = Disposition, RestockTarget
EXPECTED = {  # rebound contract table: (no outlet channel, with outlet channel)
    D.SELLABLE: (T.SELLABLE_CHANNEL, T.SELLABLE_CHANNEL),
    D.SELLABLE_REPACK: (T.SELLABLE_CHANNEL, T.SELLABLE_CHANNEL),
    D.REFURBISH: (T.NONE, T.OUTLET_CHANNEL),
    D.OUTLET: (T.NONE, T.OUTLET_CHANNEL),
    D.DAMAGED: (T.NONE, T.NONE),
    D.WORN_SOILED: (T.NONE, T.NONE),
    D.RECYCLE: (T.NONE, T.NONE),
    D.DONATE: (T.NONE, T.NONE),
    D.RETURN_TO_CUSTOMER: (T.NONE, T.NONE),
    D.MISSING: (T.EXCEPTION, T.EXCEPTION),
    D.UNEXPECTED_ITEM: (T.EXCEPTION, T.EXCEPTION),
}


@pytest.mark.parametrize("disposition", list(D))
def test_restock_target_per_disposition(disposition: Disposition) -> None:
    without, with_outlet = EXPECTED[disposition]
    assert restock_target(disposition, RestockPolicy()) is without
    assert restock_target(disposition, RestockPolicy(outlet_channel_configured=True)) is with_outlet


def test_repack_is_configurable_and_unknown_values_are_parked() -> None:
    assert restock_target(D.SELLABLE_REPACK, RestockPolicy(restock_repacked=False)) is T.NONE
    assert parse_disposition("SHINY") == Unknown("disposition", "SHINY")
    assert restock_target(parse_disposition("SHINY"), RestockPolicy()) is T.EXCEPTION
    assert parse_status("GRADED") is ReboundStatus.GRADED and parse_status("graded") == Unknown(
        "status", "graded"
    )


@pytest.mark.parametrize(
    ("status", "received", "target", "expected"),
    [
        (None, 0, None, "Advised"),
        (ReboundStatus.IN_TRANSIT, 0, None, "Advised"),
        (ReboundStatus.DELIVERED, 1, None, "Advised"),
        (ReboundStatus.REGISTERED, 0, None, "Advised"),
        (ReboundStatus.REGISTERED, 1, None, "Returned"),
        (ReboundStatus.GRADED, 1, None, "Returned"),
        (ReboundStatus.GRADED, 1, T.SELLABLE_CHANNEL, "BackInStock"),
        (ReboundStatus.PROCESSED, 1, T.OUTLET_CHANNEL, "BackInStock"),
        (ReboundStatus.GRADED, 1, T.NONE, "Unusable"),
        (ReboundStatus.PROCESSED, 1, T.EXCEPTION, "Unusable"),
        (ReboundStatus.CANCELLED, 1, T.SELLABLE_CHANNEL, "Advised"),
    ],
)
def test_shipment_state(
    status: ReboundStatus | None, received: int, target: RestockTarget | None, expected: str
) -> None:
    assert shipment_state(status, received, target) == expected


def test_payment_state() -> None:
    assert payment_state("Advised", refunded=False, refused=False) == "NonRefundable"
    assert payment_state("Returned", refunded=False, refused=False) == "Initial"
    assert payment_state("BackInStock", refunded=True, refused=False) == "Refunded"
    assert payment_state("Advised", refunded=True, refused=False) == "Refunded"  # early milestone
    assert payment_state("Unusable", refunded=False, refused=True) == "NotRefunded"


SHIPMENT_STATES = ("Advised", "Returned", "BackInStock", "Unusable")


def test_shipment_states_only_move_forward_and_graded_states_are_final() -> None:
    from backflow.domain.statuses import shipment_move_needed

    forward = {(a, b) for a in SHIPMENT_STATES for b in SHIPMENT_STATES if shipment_move_needed(a, b)}
    assert forward == {
        ("Advised", "Returned"),
        ("Advised", "BackInStock"),
        ("Advised", "Unusable"),
        ("Returned", "BackInStock"),
        ("Returned", "Unusable"),
    }
