from __future__ import annotations

import pytest

from backflow.adapters.rebound import signature
from backflow.adapters.rebound.config import ReboundConfig, ReboundConfigError
from backflow.adapters.rebound.signature import SignatureError, SignatureProblem

BODY = b'{"id":"1"}'


def test_sign_then_verify_round_trips_and_returns_the_timestamp() -> None:
    header = signature.sign(("s1", "s2"), 1_700_000_000, BODY)
    assert header.count("v1=") == 2
    assert signature.verify(header, BODY, ("s2",), now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(
    ("header", "now", "problem"),
    [
        (None, 0, SignatureProblem.MISSING),
        ("", 0, SignatureProblem.MISSING),
        ("t=1,v1", 1, SignatureProblem.MALFORMED),
        ("t=1,t=1,v1=aa", 1, SignatureProblem.MALFORMED),
        ("t=-1,v1=aa", 1, SignatureProblem.MALFORMED),
        ("t=1,v2=aa", 1, SignatureProblem.MALFORMED),
        ("t=1" + ",v1=aa" * 20, 1, SignatureProblem.MALFORMED),
        ("t=1000,v1=aa", 1301, SignatureProblem.STALE),
        ("t=1000,v1=aa", 699, SignatureProblem.STALE),
        ("t=1000,v1=aa", 1300, SignatureProblem.MISMATCH),
        ("t=1000,v1=é", 1000, SignatureProblem.MISMATCH),
    ],
)
def test_every_bad_header_is_named(header: str | None, now: int, problem: SignatureProblem) -> None:
    with pytest.raises(SignatureError) as raised:
        signature.verify(header, BODY, ("secret",), now=now)
    assert raised.value.problem is problem


def test_config_reads_the_environment_and_never_shows_secrets() -> None:
    config = ReboundConfig.from_env(
        {
            "REBOUND_API_URL": "https://api.rebound.example/",
            "REBOUND_CLIENT_ID": "backflow",
            "REBOUND_CLIENT_SECRET": "top-secret-1",
            "REBOUND_FLOW_KEY": "flow-secret-2",
            "REBOUND_WEBHOOK_SECRET": " new-secret-3 , old-secret-4 ,",
        }
    )
    assert config.api_url == "https://api.rebound.example"
    assert config.webhook_secrets == ("new-secret-3", "old-secret-4")
    assert config.flow_key == "flow-secret-2"
    shown = repr(config) + str(config) + f"{config}"
    assert "backflow" in shown
    for secret in ("top-secret-1", "flow-secret-2", "new-secret-3", "old-secret-4"):
        assert secret not in shown


def test_config_names_what_is_missing() -> None:
    with pytest.raises(ReboundConfigError, match="REBOUND_CLIENT_SECRET"):
        ReboundConfig.from_env({"REBOUND_API_URL": "x", "REBOUND_CLIENT_ID": "y"})


def test_max_concurrency_comes_from_the_environment_and_is_validated() -> None:
    env = {
        "REBOUND_API_URL": "https://api.rebound.example",
        "REBOUND_CLIENT_ID": "y",
        "REBOUND_CLIENT_SECRET": "z",
    }
    assert ReboundConfig.from_env(env).max_concurrency == 16
    assert ReboundConfig.from_env(env | {"REBOUND_MAX_CONCURRENCY": "32"}).max_concurrency == 32
    for bad in ("0", "-3", "1.5", "lots", "1000"):
        with pytest.raises(ReboundConfigError, match="REBOUND_MAX_CONCURRENCY"):
            ReboundConfig.from_env(env | {"REBOUND_MAX_CONCURRENCY": bad})
