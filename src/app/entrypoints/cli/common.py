"""What every command shares: settings from the environment, JSON logs with secrets masked."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from backflow.app.bootstrap import configured_secrets
from backflow.app.core.settings import ConfigError, Settings, settings_from_env
from backflow.app.runtime.logs import configure_logging


def load_settings(*, shadow: bool = False, env: Mapping[str, str] | None = None) -> Settings | None:
    """The settings, or None after printing why they cannot be used."""
    env = os.environ if env is None else env
    try:
        settings = settings_from_env(env, shadow=shadow)
    except ConfigError as exc:
        say(f"backflow: configuration error: {exc}", error=True)
        return None
    configure_logging(settings.log_level, secrets=configured_secrets(env))
    return settings


def say(text: object, *, error: bool = False) -> None:
    """A line for the person at the terminal (logs go to stderr as JSON; this is plain text)."""
    stream = sys.stderr if error else sys.stdout
    stream.write(f"{text}\n")
    stream.flush()
