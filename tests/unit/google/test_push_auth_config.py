"""The push token check (fixed: `?token=` is looked at even with a bearer header) and its configuration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backflow.adapters.google.oidc import GOOGLE_CERTS_URL
from backflow.adapters.google.push_auth import PushAuthConfigError, push_auth_from_env, push_token_matches

TOKEN = "push-token-4c1d9e"
GOOGLE_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln"


@pytest.mark.parametrize(
    ("authorization", "query", "accepted"),
    [
        # The bug: Google's OIDC token in Authorization, the push token in ?token=.
        (f"Bearer {GOOGLE_JWT}", TOKEN, True),
        (None, TOKEN, True),
        (f"Bearer {TOKEN}", None, True),
        (f"bearer  {TOKEN} ", None, True),
        (f"Bearer {TOKEN}", "wrong", True),
        (f"Bearer {GOOGLE_JWT}", "wrong", False),
        (f"Bearer {GOOGLE_JWT}", None, False),
        (None, None, False),
        ("", "", False),
        (f"Basic {TOKEN}", None, False),
        (f"Bearer {TOKEN}x", f"{TOKEN}x", False),
        ("Bearer", None, False),
    ],
)
def test_the_push_token_is_accepted_in_either_place(
    authorization: str | None, query: str | None, accepted: bool
) -> None:
    assert push_token_matches(TOKEN, authorization, query) is accepted


@given(st.text(min_size=1, max_size=30), st.text(max_size=30))
def test_in_the_query_only_the_exact_token_matches(token: str, query: str) -> None:
    assert push_token_matches(token, None, query) is (query == token)


_NO_SPACE = st.text(
    st.characters(blacklist_categories=("Zs", "Zl", "Zp", "Cc", "Cs")), min_size=1, max_size=30
)


@given(_NO_SPACE, st.text(max_size=30))
def test_a_bearer_token_matches_exactly_whatever_the_query(token: str, query: str) -> None:
    assert push_token_matches(token, f"Bearer {token}", query)
    assert push_token_matches(token, f"Bearer {token}x", query) is (query == token)


def test_the_configuration_reads_the_environment() -> None:
    config = push_auth_from_env(
        {
            "BACKFLOW_PUSH_TOKEN": TOKEN,
            "BACKFLOW_PUSH_OIDC_AUDIENCE": "https://backflow.example/events/rebound",
            "BACKFLOW_PUSH_OIDC_EMAIL": "push@p.iam.gserviceaccount.com",
        }
    )
    assert config.token == TOKEN
    assert config.oidc is not None and config.oidc.certs_url == GOOGLE_CERTS_URL
    assert config.describe() == (
        "Google OIDC for push@p.iam.gserviceaccount.com (audience https://backflow.example/events/rebound)"
        " and push token (?token=)"
    )
    assert TOKEN not in repr(config)
    assert push_auth_from_env({}).describe() == "none: pushes are not authenticated"
    assert push_auth_from_env({"BACKFLOW_PUSH_TOKEN": TOKEN}).describe() == "push token (?token= or bearer)"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"BACKFLOW_PUSH_OIDC_AUDIENCE": "https://b.example/events/rebound"},
            "BACKFLOW_PUSH_OIDC_EMAIL is not set: Google OIDC needs it with BACKFLOW_PUSH_OIDC_AUDIENCE",
        ),
        (
            {"BACKFLOW_PUSH_OIDC_EMAIL": "push@p.iam.gserviceaccount.com"},
            "BACKFLOW_PUSH_OIDC_AUDIENCE is not set: Google OIDC needs it with BACKFLOW_PUSH_OIDC_EMAIL",
        ),
        (
            {
                "BACKFLOW_PUSH_OIDC_AUDIENCE": "a",
                "BACKFLOW_PUSH_OIDC_EMAIL": "e",
                "BACKFLOW_PUSH_OIDC_CERTS_URL": "http://certs.example/certs",
            },
            "BACKFLOW_PUSH_OIDC_CERTS_URL must be an https URL (http only on loopback)",
        ),
    ],
)
def test_a_half_configuration_is_one_clear_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(PushAuthConfigError) as refused:
        push_auth_from_env(env)
    assert message in str(refused.value)


def test_a_loopback_certificates_url_is_allowed_for_tests() -> None:
    env = {
        "BACKFLOW_PUSH_OIDC_AUDIENCE": "a",
        "BACKFLOW_PUSH_OIDC_EMAIL": "e",
        "BACKFLOW_PUSH_OIDC_CERTS_URL": "http://127.0.0.1:8123/oauth2/v1/certs",
    }
    config = push_auth_from_env(env)
    assert config.oidc is not None and config.oidc.certs_url.endswith(":8123/oauth2/v1/certs")
