"""`check-config` lines for how deliveries arrive: the ReBound webhook authentication, the push
check (token, Google OIDC), SFTP delivery and capture mode. Never a secret in a line."""

from __future__ import annotations

from collections.abc import Mapping

from backflow.adapters.google.push_auth import PushAuthConfigError, push_auth_from_env
from backflow.adapters.rebound.config import ReboundConfigError
from backflow.adapters.rebound.endpoint_auth import endpoint_auth_from_env
from backflow.adapters.rebound.sftp_config import sftp_config_from_env
from backflow.app.bootstrap.checks_base import Check
from backflow.app.entrypoints.http.capture import CAPTURE_VARIABLE, capture_enabled


def intake_checks(env: Mapping[str, str]) -> list[Check]:
    return [_webhook_auth(env), _push_auth(env), _sftp(env), _capture(env)]


def _webhook_auth(env: Mapping[str, str]) -> Check:
    try:
        auth = endpoint_auth_from_env(env)
    except ReboundConfigError as exc:
        return Check("ReBound webhooks", False, str(exc))
    return Check(
        "ReBound webhooks", True, f"REBOUND_WEBHOOK_AUTH={auth.describe()}, on every ReBound endpoint"
    )


def _push_auth(env: Mapping[str, str]) -> Check:
    try:
        config = push_auth_from_env(env)
    except PushAuthConfigError as exc:
        return Check("push authentication", False, str(exc))
    # No push check is a supported set-up (the subscription's URL is the secret): said, not warned.
    return Check("push authentication", True, config.describe())


def _sftp(env: Mapping[str, str]) -> Check:
    try:
        config = sftp_config_from_env(env)
    except ReboundConfigError as exc:
        return Check("ReBound SFTP", False, str(exc))
    if config is None:
        return Check("ReBound SFTP", True, "off (REBOUND_SFTP_HOST not set)")
    return Check("ReBound SFTP", True, f"polling {config!r}")


def _capture(env: Mapping[str, str]) -> Check:
    if capture_enabled(env):
        message = f"{CAPTURE_VARIABLE}=1: refused ReBound bodies are kept, quarantined (onboarding only)"
        return Check("capture mode", True, message, warning=True)
    return Check("capture mode", True, "off")
