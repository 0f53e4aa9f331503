"""Finds the flows' registry at run time (the flows branch provides `app.flows.registry`).

Imported lazily so the runtime can be built and tested before the flows exist; once both are
merged, `backflow run` can import `build_registry` directly and this shim can go.
"""

from __future__ import annotations

import importlib

from app.flows.context import FlowRegistry
from app.settings import Settings

REGISTRY_MODULE = "app.flows.registry"


class FlowsMissingError(RuntimeError):
    """The flows are not installed in this build."""


def default_registry(settings: Settings) -> FlowRegistry:
    try:
        module = importlib.import_module(REGISTRY_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != REGISTRY_MODULE:
            raise
        raise FlowsMissingError(
            f"{REGISTRY_MODULE} is missing: this build has the runtime but not the flows "
            "(merge the flows branch, which provides build_registry(settings))"
        ) from exc
    registry = module.build_registry(settings)
    if not isinstance(registry, FlowRegistry):
        raise FlowsMissingError(f"{REGISTRY_MODULE}.build_registry returned {type(registry).__name__}")
    return registry
