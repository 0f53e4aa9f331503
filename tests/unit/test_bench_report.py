"""Benchmarks rewrite only their own section of a report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import replace_section

pytestmark = pytest.mark.unit


def test_a_section_is_replaced_in_place_and_the_others_kept(tmp_path: Path) -> None:
    report = tmp_path / "performance.md"
    report.write_text(
        "# Performance\n\n## Outbox\n\nold outbox\n\n## Surge\n\nold surge\n\n## Notes\n\nmine\n"
    )
    replace_section(report, "Surge", "## Surge\n\nnew surge\n", "Performance")
    assert report.read_text() == (
        "# Performance\n\n## Outbox\n\nold outbox\n\n## Surge\n\nnew surge\n\n## Notes\n\nmine\n"
    )


def test_a_missing_section_is_appended_and_a_missing_file_created(tmp_path: Path) -> None:
    report = tmp_path / "docs" / "reliability.md"
    replace_section(report, "Chaos", "## Chaos\n\nfigures\n", "Reliability")
    replace_section(report, "Surge Notes", "## Surge Notes\n\nx\n", "Reliability")
    assert report.read_text() == "# Reliability\n\n## Chaos\n\nfigures\n\n## Surge Notes\n\nx\n"


def test_a_missing_section_goes_after_its_neighbour_when_there_is_one(tmp_path: Path) -> None:
    report = tmp_path / "reliability.md"
    report.write_text("# Reliability\n\n## Chaos\n\nsqlite\n\n## Hostile input\n\nfuzz\n")
    replace_section(
        report, "Chaos on PostgreSQL", "## Chaos on PostgreSQL\n\npg\n", "Reliability", after="Chaos"
    )
    replace_section(report, "Quick", "## Quick\n\nq\n", "Reliability", after="Missing")
    assert report.read_text() == (
        "# Reliability\n\n## Chaos\n\nsqlite\n\n## Chaos on PostgreSQL\n\npg\n\n"
        "## Hostile input\n\nfuzz\n\n## Quick\n\nq\n"
    )
