"""The `-- name: x` parser that turns either adapter's queries.sql into a dict."""

from __future__ import annotations

import pytest

from backflow.adapters.sqlfiles import parse_queries


def test_blocks_are_split_by_name_and_comment_lines_dropped() -> None:
    text = "-- file header\n-- name: first\n-- why\nSELECT 1;\n\n-- name: second\nSELECT\n  2;\n"
    assert parse_queries(text) == {"first": "SELECT 1;", "second": "SELECT\n  2;"}


def test_a_name_defined_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="twice"):
        parse_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n")
