"""Shared test configuration: hypothesis profiles, the anyio backend, markers by folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI asks for at least 1,000 examples per property; a developer's quick run takes fewer.
settings.register_profile(
    "ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

_FOLDER_MARKERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "tui": "tui"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test is marked by the folder it lives in, so `-m unit` etc. select tiers."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in _FOLDER_MARKERS:
            item.add_marker(getattr(pytest.mark, _FOLDER_MARKERS[parts[0]]))


@pytest.fixture
def anyio_backend() -> str:
    # aiosqlite and the OpenTelemetry hooks rely on asyncio futures: pin the backend.
    return "asyncio"
