"""The one error a setting that cannot be used raises (re-exported by app.core.settings)."""

from __future__ import annotations


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which setting and why."""
