"""The simulators' own command lines, reachable as `backflow sim NAME`."""

from __future__ import annotations

from collections.abc import Callable

from devtools.commercetools_sim.__main__ import main as commercetools_main
from devtools.rebound_sim.__main__ import main as rebound_main

SIMULATORS: dict[str, Callable[[list[str]], int]] = {
    "commercetools": commercetools_main,
    "rebound": rebound_main,
}


def run_simulator(name: str, options: list[str]) -> int:
    """Run simulator `name` with its own command-line `options` until it is interrupted."""
    return SIMULATORS[name](options)
