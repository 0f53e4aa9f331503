"""Typed application keys shared by the simulator's modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from backflow.devtools.commercetools_sim.auth import TokenStore
    from backflow.devtools.commercetools_sim.correlation import Correlations
    from backflow.devtools.commercetools_sim.push import Pusher
    from backflow.devtools.commercetools_sim.state import SimState

STATE: web.AppKey[SimState] = web.AppKey("state")
TOKENS: web.AppKey[TokenStore] = web.AppKey("tokens")
PUSHER: web.AppKey[Pusher] = web.AppKey("pusher")
CORRELATIONS: web.AppKey[Correlations] = web.AppKey("correlations")
