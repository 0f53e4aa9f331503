"""Every secret in the configuration, for the log formatter to mask."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from backflow.adapters.rebound.config import parse_secrets

SECRET_VARIABLES = (
    "CTP_CLIENT_SECRET",
    "REBOUND_CLIENT_SECRET",
    "BACKFLOW_ADMIN_TOKEN",
    "BACKFLOW_PUSH_TOKEN",
    "REBOUND_SFTP_PASSWORD",
)


def configured_secrets(env: Mapping[str, str]) -> list[str]:
    """Every secret in the configuration, for the log formatter to mask."""
    found = [env[name] for name in SECRET_VARIABLES if env.get(name)]
    if db_password := _url_password(env.get("BACKFLOW_DB", "")):
        found.append(db_password)
    found.extend(parse_secrets(env.get("REBOUND_WEBHOOK_SECRET", "")))
    return found


def _url_password(text: str) -> str | None:
    """The password of a PostgreSQL URL in BACKFLOW_DB, if it carries one."""
    if "://" not in text:
        return None
    try:
        return urlsplit(text).password or None
    except ValueError:
        return None
