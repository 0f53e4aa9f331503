"""Hostile input against the daemon process: schemathesis from the OpenAPI description it serves, and
hypothesis for signature and envelope edge cases. No 5xx; nothing unsigned or unauthenticated changes
anything; every signed event that is accepted is stored."""

from __future__ import annotations

import base64
import time
from typing import Any

import msgspec
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import ignored_auth

from backflow.adapters.rebound import signature
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack
from tests.e2e.conftest import row_counts

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def api_schema(stack: Stack) -> Any:
    return schemathesis.openapi.from_url(f"{stack.url}/api/openapi.json")


@pytest.fixture(scope="module")
def before(stack: Stack) -> dict[str, int]:
    return row_counts(stack.db)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_no_server_error_and_auth_is_never_ignored(case: Any, stack: Stack, before: dict[str, int]) -> None:
    response = case.call(timeout=10)
    case.validate_response(response, checks=[schemathesis.checks.not_a_server_error, ignored_auth])


def test_nothing_unsigned_or_unauthenticated_changed_anything(stack: Stack, before: dict[str, int]) -> None:
    # Runs after the schemathesis cases above (file order): none of them carried a signature or a token.
    assert row_counts(stack.db) == before


def test_the_admin_api_refuses_no_token_a_wrong_token_and_browsers(stack: Stack) -> None:
    token = stack.secrets.admin_token
    assert request("GET", f"{stack.url}/api/overview")[0] == 401
    assert request("GET", f"{stack.url}/api/overview", headers={"Authorization": "Bearer x"})[0] == 401
    nearly = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert (
        request("GET", f"{stack.url}/api/overview", headers={"Authorization": f"Bearer {nearly}"})[0] == 401
    )
    good = {"Authorization": f"Bearer {token}"}
    assert request("GET", f"{stack.url}/api/overview", headers=good)[0] == 200
    for browser in ({"Origin": "http://127.0.0.1:8080"}, {"Sec-Fetch-Site": "cross-site"}):
        assert request("GET", f"{stack.url}/api/overview", headers=good | browser)[0] == 403


def _headers(body: bytes, secrets: tuple[str, ...], at: float, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "ReBound-Event-Id": event_id,
        "ReBound-Event-Type": "return_order.created",
        signature.SIGNATURE_HEADER: signature.sign(secrets, int(at), body),
    }


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_envelope = st.fixed_dictionaries(
    {
        "id": _text,
        "type": st.sampled_from(["return_order.created", "refund.triggered", "x.unknown", ""]),
        "createdAt": st.sampled_from(["2026-11-21T08:41:12.120Z", "not a time", ""]),
        "apiVersion": st.sampled_from(["2026-01", "1999-01"]),
        "sequence": st.one_of(st.integers(-(2**70), 2**70), st.none(), _text),
        "data": st.one_of(st.none(), st.dictionaries(_text, _text, max_size=3), st.just({"order": {}})),
    },
    optional={"extra": _text},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    envelope=_envelope,
    secret_ok=st.booleans(),
    skew=st.sampled_from([0, -290, 290, -310, 310, -86400]),
)
def test_signed_or_not_no_5xx_and_every_accepted_event_is_stored(
    stack: Stack, envelope: dict[str, Any], secret_ok: bool, skew: int
) -> None:
    body = msgspec.json.encode(envelope)
    secrets = (stack.secrets.webhook_secret,) if secret_ok else ("whsec-wrong",)
    # A header holds printable ASCII here; raw bytes are tests/integration/runtime/test_hostile_headers.py.
    event_id = "".join(c for c in str(envelope["id"]) if " " < c <= "~")[:40] or "empty"
    before = row_counts(stack.db)
    status, _ = request(
        "POST",
        f"{stack.url}/webhooks/rebound",
        headers=_headers(body, secrets, time.time() + skew, event_id),
        raw=body,
    )
    after = row_counts(stack.db)
    assert 200 <= status < 500, status
    if not secret_ok or abs(skew) > 300:  # outside the 300 s window or the wrong secret
        assert status == 401 and after["inbox"] == before["inbox"]
    if status == 202:
        assert after["inbox"] == before["inbox"] + 1, "accepted but not stored"


_odd_quantities = ["1", "2.00", "-1", "1.5", "", "1e3", "\uff19"]  # the last is a fullwidth nine
_quantity = st.one_of(st.sampled_from(_odd_quantities), st.integers(-5, 5), _text)
_tracking = st.fixed_dictionaries(
    {
        "order": st.fixed_dictionaries(
            {
                "reboundOrderId": st.one_of(st.just("(00)687000000000099999"), _text),
                "clientOrderId": _text,
                "statusDescription": st.sampled_from(["postalIncoming", "Delivered", "parcelLost", ""]),
                "timestamp": st.sampled_from(
                    ["2026-11-21T08:40:55.123456Z", "2026-11-21T08:40:55", "not a time", ""]
                ),
            },
            optional={"location": _text, "trackingNumber": st.one_of(_text, st.integers())},
        ),
        "items": st.lists(
            st.fixed_dictionaries(
                {"reboundItemId": _text, "sku": _text, "quantity": _quantity},
                optional={
                    "commercialValue": st.sampled_from(["35.00", "-1", "1e9", "abc", "0.001"]),
                    "commercialValueCurrency": st.sampled_from(["GBP", "XXX", "", "gbp"]),
                },
            ),
            max_size=3,
        ),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(update=_tracking, secret_ok=st.booleans(), wrapped=st.booleans())
def test_tracking_updates_signed_or_not_pushed_or_posted_no_5xx(
    stack: Stack, update: dict[str, Any], secret_ok: bool, wrapped: bool
) -> None:
    body = msgspec.json.encode(update)
    secrets = (stack.secrets.webhook_secret,) if secret_ok else ("whsec-wrong",)
    headers = {
        "Content-Type": "application/json",
        signature.SIGNATURE_HEADER: signature.sign(secrets, int(time.time()), body),
    }
    before = row_counts(stack.db)
    status, _ = request("POST", f"{stack.url}/webhooks/rebound/tracking", headers=headers, raw=body)
    after = row_counts(stack.db)
    assert 200 <= status < 500, status
    if not secret_ok:
        assert status == 401 and after["inbox"] == before["inbox"], "nothing unauthenticated is stored"
    if status == 202:
        assert after["inbox"] == before["inbox"] + 1, "accepted but not stored"
    push = body
    if wrapped:
        data = base64.b64encode(body).decode()
        push = msgspec.json.encode({"message": {"data": data, "messageId": "m-1"}, "subscription": "s"})
    status, _ = request(
        "POST", f"{stack.url}/events/rebound", headers={"Content-Type": "application/json"}, raw=push
    )
    assert 200 <= status < 500, status
