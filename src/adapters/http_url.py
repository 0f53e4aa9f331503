"""URL settings are checked when they are read: a URL without a scheme or host is named at start-up,
not discovered as a traceback (or an endless retry) at the first call."""

from __future__ import annotations

from urllib.parse import urlsplit


def require_http_url(name: str, value: str, *, example: str) -> str:
    """`value` when it is an absolute http(s) URL with a host; otherwise a ValueError naming `name`."""
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError(f"{name} must be an http(s) URL such as {example}, not {value!r}")
    return value
