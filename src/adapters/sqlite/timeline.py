"""A return's timeline on SQLite: written once in adapters.sqlstore over SQLite's dialect."""

from __future__ import annotations

from backflow.adapters.sqlite.dialect import SQLITE
from backflow.adapters.sqlstore.timeline import TimelineReader, TimelineWriter


class SqliteTimelineWriter(TimelineWriter):
    dialect = SQLITE


class SqliteTimelineReader(TimelineReader):
    dialect = SQLITE
