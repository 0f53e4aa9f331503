"""URL settings: an absolute http(s) URL with a host, or an error naming the setting and the value."""

from __future__ import annotations

import pytest

from backflow.adapters.http_url import require_http_url


@pytest.mark.parametrize(
    "value", ["https://api.europe-west1.gcp.commercetools.com", "http://127.0.0.1:8989", "https://h/v2/"]
)
def test_http_urls_are_accepted(value: str) -> None:
    assert require_http_url("CTP_API_URL", value, example="https://x") == value


@pytest.mark.parametrize(
    "value",
    [
        "127.0.0.1:8989",
        "localhost:8080",
        "api.example.com",
        "ftp://host",
        "http://",
        "https:///path",
        "http://host:0",
        "http://host:99999",
        "http://host:port",
        "",
    ],
)
def test_anything_else_is_named(value: str) -> None:
    with pytest.raises(ValueError, match=r"^CTP_API_URL must be an http\(s\) URL such as https://x, not "):
        require_http_url("CTP_API_URL", value, example="https://x")
