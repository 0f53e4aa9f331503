"""A faithful commercetools simulator for tests and the demo (aiohttp, 127.0.0.1)."""

from backflow.devtools.commercetools_sim.app import create_app, run_simulator
from backflow.devtools.commercetools_sim.faults import FaultRule
from backflow.devtools.commercetools_sim.options import SimulatorOptions

__all__ = ["FaultRule", "SimulatorOptions", "create_app", "run_simulator"]
