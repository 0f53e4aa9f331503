"""Upstream routes are templates: no id, key or order number reaches a metric label."""

from __future__ import annotations

import pytest

from backflow.adapters.upstream_metrics import route_template

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/orders", "/orders"),
        ("/orders/8d1c0f5e-1b2a-4c3d-9e8f-001122334455", "/orders/{id}"),
        ("/orders/order-number=MX-00012", "/orders/order-number={value}"),
        ("/types/key=backflow-restock", "/types/key={value}"),
        ("/inventory/abc?expand=x", "/inventory/{id}"),
        ("/v2/sales-orders/MX-00012", "/v2/sales-orders/{id}"),
        ("/v2/return-orders/RB-1/acknowledgements", "/v2/return-orders/{id}/acknowledgements"),
        ("/some/unknown/PATH", "/{id}/{id}/{id}"),
    ],
)
def test_every_segment_that_is_not_a_resource_word_becomes_a_placeholder(path: str, template: str) -> None:
    assert route_template(path) == template
