"""The simulators' own command lines, reachable as `backflow sim NAME` (and named so in `--help`)."""

from __future__ import annotations

from collections.abc import Callable

from backflow.devtools.commercetools_sim.__main__ import main as commercetools_main
from backflow.devtools.rebound_sim.__main__ import main as rebound_main


def _named(main: Callable[..., int], name: str) -> Callable[[list[str]], int]:
    return lambda argv: main(argv, prog=f"backflow sim {name}")


SIMULATORS: dict[str, Callable[[list[str]], int]] = {
    "commercetools": _named(commercetools_main, "commercetools"),
    "rebound": _named(rebound_main, "rebound"),
}


def run_simulator(name: str, options: list[str]) -> int:
    """Run simulator `name` with its own command-line `options` until it is interrupted."""
    return SIMULATORS[name](options)
