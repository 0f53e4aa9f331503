"""The simulators' own command lines, reachable as `backflow sim NAME`."""

from __future__ import annotations

from collections.abc import Callable

from adapters.commercetools.simulator.__main__ import main as commercetools_main
from adapters.rebound.simulator.__main__ import main as rebound_main

SIMULATORS: dict[str, Callable[[list[str]], int]] = {
    "commercetools": commercetools_main,
    "rebound": rebound_main,
}
