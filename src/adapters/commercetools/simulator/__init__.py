"""A faithful commercetools simulator for tests and the demo (aiohttp, 127.0.0.1)."""

from adapters.commercetools.simulator.app import create_app, run_simulator
from adapters.commercetools.simulator.faults import FaultRule
from adapters.commercetools.simulator.options import SimulatorOptions

__all__ = ["FaultRule", "SimulatorOptions", "create_app", "run_simulator"]
