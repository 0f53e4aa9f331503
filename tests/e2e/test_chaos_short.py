"""The short chaos run (bench/chaos.py --short): SIGKILLs and platform faults lose and duplicate nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import chaos

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]


def test_a_short_chaos_day_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    figures = chaos.run("short", seed=7, workdir=tmp_path)
    assert figures["kills"] >= 5
    assert figures["faults_injected"]["commercetools_outage_seconds"] > 0
    assert figures["returns"] > 0 and figures["anchored"] > 0 and figures["refunds"] > 0
    assert figures["duplicates_found"] == 0, figures["problems"]
    assert figures["lost"] == 0, figures["problems"]
    assert figures["wrong"] == 0, figures["problems"]
