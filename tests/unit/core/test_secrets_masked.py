"""Every configured secret is masked in the JSON logs, whatever carries it."""

from __future__ import annotations

import logging

from backflow.app.bootstrap import configured_secrets
from backflow.app.core.settings import settings_from_env
from backflow.app.runtime.logs import JsonFormatter

ENV = {
    "CTP_CLIENT_SECRET": "ct-secret-value",
    "REBOUND_CLIENT_SECRET": "rb-secret-value",
    "REBOUND_WEBHOOK_SECRET": "whsec-new-one, whsec-old-one",
    "BACKFLOW_ADMIN_TOKEN": "admin-token-value",
    "BACKFLOW_PUSH_TOKEN": "push-token-value",
}


def test_each_secret_in_the_configuration_is_masked() -> None:
    secrets = configured_secrets(ENV)
    assert sorted(secrets) == sorted(
        [
            "ct-secret-value",
            "rb-secret-value",
            "whsec-new-one",
            "whsec-old-one",
            "admin-token-value",
            "push-token-value",
        ]
    )
    formatter = JsonFormatter(secrets)
    record = logging.makeLogRecord(
        {"msg": "calling with %s", "args": ("ct-secret-value",), "levelname": "INFO", "name": "t"}
    )
    record.headers = {"Authorization": "Bearer admin-token-value", "sig": "whsec-old-one"}
    line = formatter.format(record)
    assert all(secret not in line for secret in secrets), line
    assert line.count("***") == 3


def test_settings_never_show_their_tokens() -> None:
    settings = settings_from_env(ENV)
    assert "admin-token-value" not in repr(settings) and "push-token-value" not in str(settings)
