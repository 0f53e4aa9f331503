"""A return's timeline on PostgreSQL: written once in adapters.sqlstore over PostgreSQL's dialect."""

from __future__ import annotations

from backflow.adapters.postgresql.dialect import POSTGRES
from backflow.adapters.sqlstore.timeline import TimelineReader, TimelineWriter


class PostgresTimelineWriter(TimelineWriter):
    dialect = POSTGRES


class PostgresTimelineReader(TimelineReader):
    dialect = POSTGRES
