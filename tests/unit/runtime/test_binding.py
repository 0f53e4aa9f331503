"""Dependencies are bound by parameter name once, and an unknown name stops the start."""

from __future__ import annotations

import anyio
import pytest

from backflow.app.core.settings import ConfigError
from backflow.app.runtime.binding import Dependencies


async def _handler(row: str, *, store: list[str], policy: str = "default") -> None:
    store.append(f"{row}:{policy}")


async def _unknown(row: str, *, nobody_provides_this: object) -> None:
    raise AssertionError("never bound")


def test_a_handler_gets_what_its_parameters_name() -> None:
    seen: list[str] = []
    bound = Dependencies({"store": seen, "unused": 1}).bind(_handler, leading=1)
    anyio.run(bound, "row-1")
    assert seen == ["row-1:default"]


def test_an_unknown_dependency_name_is_a_start_up_error() -> None:
    with pytest.raises(ConfigError, match="nobody_provides_this"):
        Dependencies({"store": []}).bind(_unknown, leading=1)
