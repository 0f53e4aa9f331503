"""The simulators' own command lines, reachable as `backflow sim NAME` (and named so in `--help`)."""

from __future__ import annotations

from collections.abc import Callable

from adapters.commercetools.simulator.__main__ import main as commercetools_main
from adapters.rebound.simulator.__main__ import main as rebound_main


def _named(main: Callable[..., int], name: str) -> Callable[[list[str]], int]:
    return lambda argv: main(argv, prog=f"backflow sim {name}")


SIMULATORS: dict[str, Callable[[list[str]], int]] = {
    "commercetools": _named(commercetools_main, "commercetools"),
    "rebound": _named(rebound_main, "rebound"),
}
