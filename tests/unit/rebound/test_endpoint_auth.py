"""REBOUND_WEBHOOK_AUTH: hmac, header:<Name> and basic, each with rotation and every way to be wrong."""

from __future__ import annotations

import base64
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from backflow.adapters.rebound import signature
from backflow.adapters.rebound.config import ReboundConfigError
from backflow.adapters.rebound.endpoint_auth import (
    AuthenticationFailed,
    AuthScheme,
    EndpointAuth,
    authenticate,
    endpoint_auth_from_env,
    matches_any,
)

BODY = b'{"order": {}}'
NEW, OLD = "tok-new-5f1e", "tok-old-9a2c"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _auth(scheme: str, secrets: str = f"{NEW},{OLD}") -> EndpointAuth:
    return endpoint_auth_from_env({"REBOUND_WEBHOOK_AUTH": scheme, "REBOUND_WEBHOOK_SECRET": secrets})


def _check(auth: EndpointAuth, headers: dict[str, str], body: bytes = BODY) -> None:
    authenticate(auth, CIMultiDict(headers), body, now=time.time())


# ---------------------------------------------------------------- configuration
@pytest.mark.parametrize(
    ("raw", "scheme", "header"),
    [
        ("", AuthScheme.HMAC, None),
        ("hmac", AuthScheme.HMAC, None),
        (" HMAC ", AuthScheme.HMAC, None),
        ("basic", AuthScheme.BASIC, None),
        ("header:X-ReBound-Token", AuthScheme.HEADER, "X-ReBound-Token"),
        ("Header: X-Api-Key ", AuthScheme.HEADER, "X-Api-Key"),
    ],
)
def test_the_scheme_is_read_from_the_environment(raw: str, scheme: AuthScheme, header: str | None) -> None:
    secrets = "u:p" if scheme is AuthScheme.BASIC else "s"
    auth = endpoint_auth_from_env({"REBOUND_WEBHOOK_AUTH": raw, "REBOUND_WEBHOOK_SECRET": secrets})
    assert (auth.scheme, auth.header_name) == (scheme, header)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"REBOUND_WEBHOOK_AUTH": "header:", "REBOUND_WEBHOOK_SECRET": "s"},
            "REBOUND_WEBHOOK_AUTH=header: needs the header's name, e.g. header:X-ReBound-Token",
        ),
        (
            {"REBOUND_WEBHOOK_AUTH": "header:  ", "REBOUND_WEBHOOK_SECRET": "s"},
            "REBOUND_WEBHOOK_AUTH=header: needs the header's name",
        ),
        (
            {"REBOUND_WEBHOOK_AUTH": "header:X Token", "REBOUND_WEBHOOK_SECRET": "s"},
            "'X Token' is not a valid HTTP header name",
        ),
        (
            {"REBOUND_WEBHOOK_AUTH": "oauth", "REBOUND_WEBHOOK_SECRET": "s"},
            "REBOUND_WEBHOOK_AUTH must be hmac, header:<Header-Name> or basic, not 'oauth'",
        ),
        (
            {"REBOUND_WEBHOOK_AUTH": "basic:x", "REBOUND_WEBHOOK_SECRET": "u:p"},
            "must be hmac, header:<Header-Name> or basic",
        ),
        ({"REBOUND_WEBHOOK_AUTH": "header:X-T"}, "REBOUND_WEBHOOK_SECRET is not set"),
        (
            {"REBOUND_WEBHOOK_AUTH": "basic", "REBOUND_WEBHOOK_SECRET": "u:p,nocolon"},
            "every secret is user:password (secret 2 is not)",
        ),
    ],
)
def test_a_wrong_configuration_is_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ReboundConfigError) as refused:
        endpoint_auth_from_env(env)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_the_description_names_the_scheme_and_never_a_secret() -> None:
    for auth, text in [
        (_auth("hmac"), "hmac (ReBound-Signature, 2 secrets)"),
        (_auth("header:X-ReBound-Token", NEW), "header:X-ReBound-Token (static token, 1 secret)"),
        (_auth("basic", "rb:pw1,rb:pw2"), "basic (HTTP Basic, 2 secrets)"),
    ]:
        assert auth.describe() == text
        assert NEW not in repr(auth) and "pw1" not in str(auth)


# ---------------------------------------------------------------- hmac
def test_hmac_accepts_either_secret_during_a_rotation_and_keeps_the_timestamp() -> None:
    auth = _auth("hmac")
    for secret in (NEW, OLD):
        now = int(time.time())
        header = signature.sign((secret,), now, BODY)
        result = authenticate(auth, CIMultiDict({"rebound-signature": header}), BODY, now=now)
        assert result.kept_headers == {"ReBound-Signature-Timestamp": str(now)}


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("none", "missing signature"),
        ("malformed", "malformed signature"),
        ("retired secret", "no signature matches"),
        ("stale", "outside tolerance"),
    ],
)
def test_hmac_refuses_what_is_missing_or_wrong(case: str, reason: str) -> None:
    now = int(time.time())  # signed when the test runs, not when it is collected
    header = {
        "none": None,
        "malformed": "v1=zz",
        "retired secret": signature.sign(("retired",), now, BODY),
        "stale": signature.sign((NEW,), now - 301, BODY),
    }[case]
    with pytest.raises(AuthenticationFailed, match=reason):
        _check(_auth("hmac"), {} if header is None else {"ReBound-Signature": header})


def test_hmac_signs_the_body_so_a_changed_body_is_refused() -> None:
    header = signature.sign((NEW,), int(time.time()), BODY)
    with pytest.raises(AuthenticationFailed, match="no signature matches"):
        _check(_auth("hmac"), {"ReBound-Signature": header}, BODY + b" ")


# ---------------------------------------------------------------- header
def test_a_static_header_token_accepts_any_rotated_secret_whatever_the_header_case() -> None:
    auth = _auth("header:X-ReBound-Token")
    _check(auth, {"x-rebound-token": NEW})
    _check(auth, {"X-REBOUND-TOKEN": f" {OLD} "})


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing X-ReBound-Token header"),
        ({"X-ReBound-Token": ""}, "missing X-ReBound-Token header"),
        ({"X-ReBound-Token": "tok-new"}, "wrong token in X-ReBound-Token"),
        ({"X-ReBound-Token": NEW + "x"}, "wrong token"),
        ({"X-ReBound-Token": f"{NEW},{OLD}"}, "wrong token"),
        ({"Authorization": f"Bearer {NEW}"}, "missing X-ReBound-Token header"),
        ({"X-Other": NEW}, "missing X-ReBound-Token header"),
    ],
)
def test_a_static_header_token_refuses_what_is_missing_or_wrong(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(AuthenticationFailed) as refused:
        _check(_auth("header:X-ReBound-Token"), headers)
    assert refused.value.reason == reason or reason in refused.value.reason
    assert NEW not in refused.value.reason


# ---------------------------------------------------------------- basic
def test_basic_accepts_any_rotated_pair_and_passwords_may_hold_colons() -> None:
    auth = _auth("basic", "rebound:pw-new,rebound:pw:old")
    _check(auth, {"Authorization": _basic("rebound", "pw-new")})
    _check(auth, {"authorization": _basic("rebound", "pw:old")})


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        (None, "missing Authorization header"),
        (f"Bearer {NEW}", "not HTTP Basic"),
        ("Basic ", "not HTTP Basic"),
        ("Basic !!notbase64", "malformed HTTP Basic credentials"),
        ("Basic " + base64.b64encode(b"no-colon").decode(), "malformed HTTP Basic credentials"),
        ("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "malformed HTTP Basic credentials"),
        (_basic("rebound", "wrong"), "wrong user or password"),
        (_basic("intruder", "pw-new"), "wrong user or password"),
        (_basic("rebound", "pw-ne"), "wrong user or password"),
    ],
)
def test_basic_refuses_what_is_missing_or_wrong(authorization: str | None, reason: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    with pytest.raises(AuthenticationFailed, match=reason):
        _check(_auth("basic", "rebound:pw-new,rebound:pw:old"), headers)


# ---------------------------------------------------------------- the comparison itself
@given(st.text(max_size=40), st.lists(st.text(max_size=40), max_size=4))
def test_matches_any_is_plain_equality_with_some_secret(presented: str, secrets: list[str]) -> None:
    assert matches_any(presented, secrets) == (presented in secrets)
